/**
 * Which local addresses listen on a TCP port, read from the kernel's socket tables
 * (/proc/net/tcp and tcp6, Linux): what `ss -ltn` shows, without depending on it being installed.
 */
import { readFileSync } from 'node:fs';

const LISTEN = '0A';

function ipv4(hex: string): string {
  // One 32-bit word in host (little-endian) byte order.
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

function ipv6(hex: string): string {
  // Four 32-bit words, each in host (little-endian) byte order.
  const bytes: string[] = [];
  for (let w = 0; w < 4; w++) for (const i of [6, 4, 2, 0]) bytes.push(hex.slice(w * 8 + i, w * 8 + i + 2));
  const groups = Array.from({ length: 8 }, (_, g) => `${bytes[g * 2]}${bytes[g * 2 + 1]}`);
  return new URL(`http://[${groups.join(':')}]`).hostname.replace(/^\[|\]$/g, '');
}

function table(path: string, decode: (hex: string) => string): { address: string; port: number }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return []; // no IPv6 on this machine
  }
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[3] === LISTEN && cols[1])
    .map((cols) => {
      const [addr, port] = cols[1]!.split(':') as [string, string];
      return { address: decode(addr), port: parseInt(port, 16) };
    });
}

/** The addresses sockets listen on at `port`, e.g. ['127.0.0.1'] or ['0.0.0.0'] or ['::']. */
export function listeningAddresses(port: number): string[] {
  const all = [...table('/proc/net/tcp', ipv4), ...table('/proc/net/tcp6', ipv6)];
  return [...new Set(all.filter((l) => l.port === port).map((l) => l.address))].sort();
}
