/**
 * The floors of the code base (DESIGN §2): a file imports only from its own floor or
 * below, and no two files import each other, directly or round a longer loop. Type-only
 * imports count too: a cycle of types still ties two modules into one unit to read.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Floor of each top-level directory; a file imports only from floors ≤ its own. */
const FLOORS: Record<string, number> = {
  platform: 0,
  contracts: 0,
  functions: 1,
  eventing: 1,
  notifier: 1,
  local: 2,
  scripts: 3,
  bench: 3,
  simulate: 3,
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.ts$/.test(name) && !/\.d\.ts$/.test(name) && !/\.test\.ts$/.test(name)) out.push(rel);
  }
  return out;
}

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"](\.\.?\/[^'"]+)['"]|import\(\s*['"](\.\.?\/[^'"]+)['"]\s*\)/g;

/** Relative imports of a file, as repository paths of .ts files. */
function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2]!;
    found.push(normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return found;
}

const floorOf = (file: string): number | undefined => FLOORS[file.split('/')[0]!];

/** The unit tests' fakes and fixtures (functions/test-support.ts, functions/<service>/test-support.ts, matching's fakes.ts). */
const TEST_SUPPORT = /(^|\/)(test-support|fakes)\.ts$/;

const files = Object.keys(FLOORS).flatMap(sources);
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(join(root, f), 'utf8'))]));

/** Every cycle's files, found by a depth-first walk (Tarjan's strongly connected components). */
function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (g.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('floors', () => {
  it('reads imports the way the files write them', () => {
    const text = "import { a } from './a.js';\nimport type { B } from '../b/b.js';\nexport { c } from './c.js';\nconst d = await import('./d.js');\nimport 'node:fs';";
    expect(importsOf('x/y/z.ts', text)).toEqual(['x/y/a.ts', 'x/b/b.ts', 'x/y/c.ts', 'x/y/d.ts']);
  });

  it('finds a cycle when there is one', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });

  it('no file imports from a floor above its own', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        const to = floorOf(dep);
        if (to === undefined) {
          if (!dep.startsWith('node_modules')) upward.push(`${file} → ${dep} (outside the floors)`);
        } else if (to > floorOf(file)!) upward.push(`${file} (floor ${floorOf(file)}) → ${dep} (floor ${to})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('no two files import each other, directly or round a loop', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('only tests and test support import test support, so no bundle holds it', () => {
    const isSupport = (f: string) => TEST_SUPPORT.test(f);
    expect([...graph.keys()].filter(isSupport)).toContain('functions/test-support.ts');
    const leaks = [...graph].flatMap(([file, deps]) => (isSupport(file) ? [] : deps.filter(isSupport).map((d) => `${file} → ${d}`)));
    expect(leaks).toEqual([]);
  });

  it('every relative import names a file that exists', () => {
    const missing = [...graph].flatMap(([file, deps]) => deps.filter((d) => !graph.has(d) && !safeExists(d)).map((d) => `${file} → ${d}`));
    expect(missing).toEqual([]);
  });
});

function safeExists(file: string): boolean {
  try {
    return statSync(join(root, file)).isFile();
  } catch {
    return false;
  }
}

