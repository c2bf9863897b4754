import { describe, expect, it } from 'vitest';
import { oneAtATime } from './batched-insert.js';

describe('oneAtATime', () => {
  it('starts work at once when nothing is in flight, and queued work one at a time, in order', async () => {
    const gate = oneAtATime();
    const log: string[] = [];
    let release!: () => void;
    const first = gate(async () => {
      log.push('first start');
      await new Promise<void>((r) => (release = r));
      log.push('first end');
    });
    expect(log).toEqual(['first start']); // synchronously: a lone command waits for nobody
    const second = gate(async () => void log.push('second'));
    const third = gate(async () => {
      log.push('third');
      throw new Error('refused');
    });
    const fourth = gate(async () => void log.push('fourth'));
    await Promise.resolve();
    expect(log).toEqual(['first start']);
    release();
    await Promise.all([first, second, third.catch(() => undefined), fourth]);
    expect(log).toEqual(['first start', 'first end', 'second', 'third', 'fourth']);
    await expect(third).rejects.toThrow('refused');
    // Idle again: the next one starts at once.
    void gate(async () => void log.push('fifth'));
    expect(log.at(-1)).toBe('fifth');
  });
});
