// Module URLs that start a fresh module graph (a worker thread's entry, an engine module) point at
// the TypeScript sources. In the prebuilt bundle (scripts/build-cli.mjs defines the map below) they
// are swapped for their bundled twins, so an engine thread needs no tsx either.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

declare const __WANXING_BUNDLE_ENTRIES__: Record<string, string> | undefined;

/** The package root (this file is src/bundle.ts; in the bundle its import.meta.url still names it). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function runnableUrl(sourceUrl: string): string {
  if (typeof __WANXING_BUNDLE_ENTRIES__ === 'undefined') return sourceUrl;
  const rel = path.relative(ROOT, fileURLToPath(sourceUrl)).split(path.sep).join('/');
  const out = __WANXING_BUNDLE_ENTRIES__[rel];
  return out ? pathToFileURL(path.join(ROOT, out)).href : sourceUrl;
}
