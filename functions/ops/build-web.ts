/**
 * Builds the web pages' scripts and styles into a directory (default dist/web): one
 * browser bundle per page (Leaflet included, so the pages need nothing from outside),
 * Leaflet's style sheet and ours. `npm run build` and `npm start` run it; files are
 * replaced by rename, so a page being served never reads half a file.
 */
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const PAGES = ['console', 'rider', 'driver'] as const;

async function put(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

export async function buildWeb(outdir = 'dist/web'): Promise<string[]> {
  await mkdir(outdir, { recursive: true });
  const r = await build({
    entryPoints: PAGES.map((p) => join(here, 'web', `${p}.ts`)),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    outdir,
    logLevel: 'silent',
  });
  const written: string[] = [];
  for (const f of r.outputFiles) {
    await put(f.path, f.contents);
    written.push(f.path);
  }
  const leafletCss = createRequire(import.meta.url).resolve('leaflet/dist/leaflet.css');
  const tmp = join(outdir, `leaflet.css.${process.pid}.tmp`);
  await copyFile(leafletCss, tmp);
  await rename(tmp, join(outdir, 'leaflet.css'));
  await copyFile(join(here, 'web', 'app.css'), join(outdir, `app.css.${process.pid}.tmp`));
  await rename(join(outdir, `app.css.${process.pid}.tmp`), join(outdir, 'app.css'));
  return [...written, join(outdir, 'leaflet.css'), join(outdir, 'app.css')];
}
