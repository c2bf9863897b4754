/**
 * lazyChild: the per-request child logger is built only when a line is actually written,
 * and then carries its bindings (and those of a lazy parent) like pino's own child.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChild } from '../../platform/logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { root: pino({ level }, stream), lines };
}

describe('lazyChild', () => {
  it('builds no child for calls at disabled levels, and one (once) when a line is written', () => {
    const { root, lines } = capture('warn');
    let built = 0;
    const log = lazyChild(root, () => {
      built++;
      return { reqId: 'r1' };
    });
    log.info({ a: 1 }, 'not written');
    log.debug('not written');
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(built).toBe(0);
    log.warn({ a: 2 }, 'written');
    log.error('also written');
    expect(built).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ reqId: 'r1', a: 2, msg: 'written', level: 40 });
    expect(lines[1]).toMatchObject({ reqId: 'r1', msg: 'also written', level: 50 });
  });

  it('nests: an event child of a request child carries both bindings', async () => {
    const { root, lines } = capture('info');
    const request = lazyChild(root.child({ fn: 'f' }), () => ({ reqId: 'r2' }));
    const event = lazyChild(request, () => ({ ceId: 'e1' }));
    event.info('delivered');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ fn: 'f', reqId: 'r2', ceId: 'e1', msg: 'delivered' });
  });
});
