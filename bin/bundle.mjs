// The prebuilt bundle's freshness check, shared by bin/wanxing.js and scripts/build-cli.mjs.
// dist/manifest.json lists every source file the bundle was built from with the SHA-256 of the exact
// bytes esbuild compiled; the bundle is used only when every one of them is unchanged on disk.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
export const MANIFEST_VERSION = 1;

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** URL of dist/cli.js when the bundle matches the sources byte for byte (and this Node), else null. */
export function freshBundle() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(DIST, 'manifest.json'), 'utf8'));
  } catch {
    return null; // never built (npm ci --ignore-scripts, a fresh checkout): run the sources
  }
  if (manifest.version !== MANIFEST_VERSION || manifest.node !== process.versions.node.split('.')[0]) return null;
  for (const [file, hash] of Object.entries(manifest.inputs)) {
    try {
      if (sha256(readFileSync(path.join(ROOT, file))) !== hash) return null;
    } catch {
      return null; // a source was removed or renamed
    }
  }
  return pathToFileURL(path.join(DIST, 'cli.js')).href;
}
