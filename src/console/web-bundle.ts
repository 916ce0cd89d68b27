// The console page is built from web/ (TypeScript + CSS) by esbuild when the service first serves it,
// and kept in memory: no separate build step, no stale bundle. `npm run build:web` writes the same
// files to web/dist for a look at the output.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

export interface WebBundle {
  html: string;
  js: string;
  css: string;
}

export async function buildWeb(opts: { minify?: boolean } = {}): Promise<WebBundle> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [path.join(WEB_DIR, 'app.ts'), path.join(WEB_DIR, 'style.css')],
    bundle: true,
    minify: opts.minify ?? true,
    format: 'esm',
    target: ['es2020'],
    outdir: 'out',
    write: false,
    logLevel: 'silent',
  });
  const file = (ext: string) => out.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  const html = await fs.readFile(path.join(WEB_DIR, 'index.html'), 'utf8');
  return { html, js: file('.js'), css: file('.css') };
}

let cached: Promise<WebBundle> | undefined;

/** Built once per process; a failed build is retried on the next request. */
export function webBundle(): Promise<WebBundle> {
  cached ??= buildWeb().catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** Writes the built page to `dir` (npm run build:web). */
export async function writeWeb(dir: string): Promise<void> {
  const web = await buildWeb();
  await fs.mkdir(dir, { recursive: true });
  await Promise.all([
    fs.writeFile(path.join(dir, 'index.html'), web.html),
    fs.writeFile(path.join(dir, 'app.js'), web.js),
    fs.writeFile(path.join(dir, 'app.css'), web.css),
  ]);
  console.log(`wrote ${dir}/index.html, app.js (${web.js.length} B), app.css (${web.css.length} B)`);
}
