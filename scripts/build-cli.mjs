// Prebuilds the CLI into dist/ (run by `npm ci`/`npm install` through the `prepare` script, or by
// `npm run build`): start-up then skips tsx compiling ≈ 150 TypeScript modules on every run.
// Packages stay external (resolved from node_modules at run time, as from the sources). Code-split, so a
// command still loads only what it imports. Every source module's `import.meta.url` is rewritten to the
// URL of its own source file, so paths computed from it (web/, node_modules, model folders) are the
// same as when the sources run. Worker threads and engine modules loaded by URL are mapped to their
// bundled twins by src/bundle.ts. bin/wanxing.js uses the bundle only while dist/manifest.json's
// per-file hashes still match the sources (bin/bundle.mjs); any edit falls back to tsx.
import { build } from 'esbuild';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, MANIFEST_VERSION, ROOT, sha256 } from '../bin/bundle.mjs';

// Entries flat in dist/ (chunks too), so every output file sits at the same depth.
const ENTRIES = {
  cli: 'src/cli.ts',
  'engine-thread': 'src/workers/engine-thread.ts',
  engine: 'src/engine/index.ts',
  'onnx-engine': 'src/engine/onnx/index.ts',
  'screen-thread': 'src/compliance/screen-thread.ts',
  // Not loaded by a command: imported below, once built, to write the screening model.
  'screening-model': 'src/compliance/screening-model.ts',
};

const inputs = {};
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    // Every file esbuild reads from the tree (code and data): a JSON or text file imported by the sources counts too.
    b.onLoad({ filter: /./ }, async (args) => {
      const rel = path.relative(ROOT, args.path).split(path.sep).join('/');
      if (rel.startsWith('..') || rel.startsWith('node_modules/')) return undefined;
      const bytes = await readFile(args.path);
      inputs[rel] = sha256(bytes); // the bytes compiled, not a re-read after: a concurrent edit shows as stale
      const contents = bytes.toString('utf8').replaceAll('import.meta.url', `new URL(${JSON.stringify(`../${rel}`)}, import.meta.url).href`);
      const ext = path.extname(rel);
      if (!/^\.(m?[jt]s)$/.test(ext)) return { contents: bytes, loader: ext === '.json' ? 'json' : 'text' };
      return { contents, loader: /\.m?ts$/.test(rel) ? 'ts' : 'js' };
    });
  },
};

// Packages are loaded with require(), not import: an ESM import of a CommonJS package makes Node scan its
// source for export names (cjs-module-lexer), and the optimising compiler then spends ≈ 0.2 s of CPU
// compiling that scanner in every run. Every dependency ships CommonJS (an ESM-only one would throw
// ERR_REQUIRE_ESM on Node 20 when its command starts: test/bundle.test.ts runs a batch and the service
// from the bundle). esbuild's interop gives named and default imports Node's own ESM meaning.
const REQUIRE = '__wanxingRequire';
const requiredPackages = {
  name: 'required-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || args.namespace === 'required-package') return undefined;
      // A split chunk's dynamic import() of a CommonJS module exposes only `default`: stays an import (loaded once, when used).
      if (args.kind === 'dynamic-import') return { path: args.path, external: true };
      return { path: args.path, namespace: 'required-package' };
    });
    b.onLoad({ filter: /./, namespace: 'required-package' }, (args) => ({ contents: `module.exports = ${REQUIRE}(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

// Built beside dist/ and swapped in, so a CLI starting meanwhile sees the old bundle or the new one.
const tmp = `${DIST}.${process.pid}.tmp`;
await rm(tmp, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: tmp,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  define: { __WANXING_BUNDLE_ENTRIES__: JSON.stringify(Object.fromEntries(Object.entries(ENTRIES).map(([out, src]) => [src, `dist/${out}.js`]))) },
  banner: { js: `import { createRequire as __wanxingCreateRequire } from 'node:module'; const ${REQUIRE} = __wanxingCreateRequire(import.meta.url);` },
  plugins: [requiredPackages, sourceUrls],
  logLevel: 'warning',
});
inputs['tsconfig.json'] = sha256(await readFile(path.join(ROOT, 'tsconfig.json')));
await writeScreeningModel(tmp);
await writeFile(path.join(tmp, 'manifest.json'), JSON.stringify({ version: MANIFEST_VERSION, node: process.versions.node.split('.')[0], inputs }, null, 1) + '\n');
const old = `${DIST}.${process.pid}.old`;
await rename(DIST, old).catch(() => undefined);
await rename(tmp, DIST);
await rm(old, { recursive: true, force: true });
console.log(`wanxing: built dist/ from ${Object.keys(inputs).length} source files`);

/**
 * The input screening model (src/compliance/screening-model.ts): nsfwjs's tfjs graph converted to ONNX
 * once here, with the converter just bundled, instead of at every screener's load (≈ 0.2 s, 0.35 s of
 * CPU: decoding the package's base64 weights and converting). Tagged with the nsfwjs version and the
 * converter's FORMAT; the screener converts in memory when the tag does not match.
 */
async function writeScreeningModel(dir) {
  try {
    const { writeScreeningModel: write } = await import(pathToFileURL(path.join(dir, 'screening-model.js')).href);
    write(dir);
  } catch (err) {
    console.warn(`wanxing: screening model not prebuilt (${err.message}); the screener converts nsfwjs's model at load`);
  }
}
