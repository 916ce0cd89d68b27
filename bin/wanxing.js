#!/usr/bin/env node
// Runs the prebuilt bundle (dist/, built at `npm ci`/`npm install` by scripts/build-cli.mjs) when it was
// built from exactly the sources on disk; otherwise the TypeScript sources directly (tsx), so an edited
// tree never runs stale code. WANXING_BUNDLE=0 forces the sources.
import { freshBundle } from './bundle.mjs';

const bundle = process.env.WANXING_BUNDLE !== '0' && freshBundle();
if (bundle) await import(bundle);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
