import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';

/** A TCP port free on 127.0.0.1 right now (for a server a test starts itself). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
