/**
 * Node's parsed headers (a request's or a response's) as one plain object of strings:
 * lower-case names, a repeated header's values joined with ", " as HTTP combines them.
 * What the CloudEvents SDK and the platform's own code read headers from.
 */
import type { IncomingHttpHeaders } from 'node:http';

export function plainHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const plain: Record<string, string> = {};
  // for…in rather than Object.entries: no array of pairs per request (hot path).
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) plain[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return plain;
}
