import { BlockList, isIP } from 'node:net';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/** Addresses of the proxies between a client and a function: loopback, private, link-local, shared (CGNAT) space. */
const internal = new BlockList();
for (const [net, prefix] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) internal.addSubnet(net, prefix, 'ipv6');

const isInternal = (ip: string): boolean => {
  const family = isIP(ip);
  if (family === 0) return false;
  const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  return internal.check(plain, isIP(plain) === 4 ? 'ipv4' : 'ipv6');
};

/**
 * The caller's address, for rate limits. Each proxy appends the address it received the
 * request from to X-Forwarded-For (Knative's ingress, the activator, a gateway), so only
 * the right-hand end is written by us; anything to its left the client may have made up.
 * The caller is the right-most entry that is not one of our own (internal) hops; when
 * every hop is internal (inside the cluster, or on one machine) the left-most one; without
 * the header, the socket peer.
 */
export function clientIp(c: Context): string {
  const header = c.req.header('x-forwarded-for');
  if (header) {
    const hops = header.split(',').map((h) => h.trim()).filter((h) => isIP(h) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) if (!isInternal(hops[i]!)) return hops[i]!;
    if (hops[0]) return hops[0];
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // no socket bindings (e.g. app.fetch called in-process)
  }
}
