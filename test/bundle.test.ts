// The prebuilt CLI bundle (scripts/build-cli.mjs, run by `npm ci` through `prepare`): in a copy of
// the tree, it builds, bin/wanxing.js runs it (engine threads included), and an edit to any source
// it was built from makes bin/wanxing.js run the sources again, so a stale bundle never runs.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { faceA, faceB } from './engine-fixtures.ts';
import { ROOT, testEnv, tmpDir } from './helpers/service.ts';

const exec = promisify(execFile);

test('the bundle is used while it matches the sources, and never after an edit', async () => {
  const copy = tmpDir('wanxing-bundle-');
  for (const p of ['src', 'bin', 'scripts', 'web']) fs.cpSync(path.join(ROOT, p), path.join(copy, p), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  const node = (args: string[], env: Record<string, string> = {}) => exec(process.execPath, args, { cwd: copy, env: { ...process.env, WANXING_WORKERS: '', ...env } });
  const fresh = async () => (await node(['-e', "import('./bin/bundle.mjs').then((m) => console.log(m.freshBundle()))"])).stdout.trim();

  assert.equal(await fresh(), 'null', 'not built yet: the sources run');
  assert.match((await node(['scripts/build-cli.mjs'])).stdout, /built dist\/ from \d+ source files/);
  const manifest = JSON.parse(fs.readFileSync(path.join(copy, 'dist/manifest.json'), 'utf8'));
  assert.ok(manifest.inputs['src/cli.ts'] && manifest.inputs['src/workers/engine-thread.ts'] && manifest.inputs['src/engine/swap.ts']);
  assert.equal(await fresh(), `file://${copy}/dist/cli.js`);
  // Packages are required, not imported: an ESM import of a CommonJS package makes Node scan its source
  // for export names (cjs-module-lexer), whose optimising compile costs every run ≈ 0.2 s of CPU. (A
  // dynamic import() stays one: it runs only when used, as the console page's esbuild.)
  const bareImports = fs
    .readdirSync(path.join(copy, 'dist'))
    .filter((f) => f.endsWith('.js'))
    .flatMap((f) => [...fs.readFileSync(path.join(copy, 'dist', f), 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s+)["']([^"'.\s][^"'\s]*)["']/g)].map((m) => m[1]!))
    .filter((spec) => !spec.startsWith('node:'));
  assert.deepEqual([...new Set(bareImports)], [], 'no package is statically imported as ESM by the bundle');

  // The bundled CLI runs a batch on an engine thread loaded from dist/ (no tsx in the thread).
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'me.jpg'), await faceA('jpeg'));
  fs.writeFileSync(path.join(dir, 't.jpg'), await faceB('jpeg'));
  const run = await node(['bin/wanxing.js', 'swap', '-t', path.join(dir, 't.jpg'), '-s', path.join(dir, 'me.jpg'), '--out-dir', path.join(dir, 'out'), '--json', '--workers', '1']);
  assert.match(run.stdout, /"type":"summary","total":1,"written":1/);

  // The bundled service starts and serves the console page (built by esbuild, imported on first use).
  const env = await testEnv();
  const child = spawn(process.execPath, ['bin/wanxing.js', 'serve'], { cwd: copy, env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => ((out += d.toString()), out.includes('wanxing is serving') && resolve());
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`service exited (${code}): ${out}`)));
    });
    const page = await fetch(`http://127.0.0.1:${env.PORT}/console/app.js`);
    assert.equal(page.status, 200, await page.clone().text());
    assert.match(await page.text(), /console/);
  } finally {
    child.kill();
  }

  // An edit that changes behaviour: the next start runs the edited sources, not the bundle.
  const cli = path.join(copy, 'src/cli.ts');
  fs.writeFileSync(cli, fs.readFileSync(cli, 'utf8').replace("new Command('wanxing').description('", "new Command('wanxing').description('EDITED "));
  assert.equal(await fresh(), 'null');
  assert.match((await node(['bin/wanxing.js', '--help'])).stdout, /EDITED/);
  // Rebuilt: fresh again, and the bundle carries the edit.
  await node(['scripts/build-cli.mjs']);
  assert.match((await node(['bin/wanxing.js', '--help'])).stdout, /EDITED/);
  assert.notEqual(await fresh(), 'null');
  // A source removed from the tree also makes it stale.
  fs.rmSync(path.join(copy, 'src/commands/batch.ts'));
  assert.equal(await fresh(), 'null');
});
