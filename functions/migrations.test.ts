import { describe, expect, it } from 'vitest';
import { workloadOf } from '../contracts/workloads.js';
import { serviceMigrations } from './migrations.js';

describe('serviceMigrations', () => {
  it('migrates the services the migration job names, in its order', () => {
    expect(Object.keys(serviceMigrations)).toEqual([...workloadOf('job').migrates]);
    for (const [service, list] of Object.entries(serviceMigrations)) {
      const names = list.map((m) => m.name);
      expect(new Set(names).size, `${service}: duplicate migration names`).toBe(names.length);
    }
  });
});
