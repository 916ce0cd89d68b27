// Settings: defaults, refusals that name the variable, and what reaches the engine threads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { engineSpecFor } from '../src/workers/engine-spec.ts';

test('defaults follow the README', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.publicUrl, 'http://localhost:8080');
  assert.equal(c.jobs.defaultTimeoutS, 7200);
  assert.equal(c.resultTtlS, 86400);
  assert.deepEqual(c.notify.retryDelaysS, [5, 15, 30, 60, 300, 600, 1800, 3600, 7200, 14400]);
  assert.equal(c.download.maxBytes, 20 * 1024 * 1024);
  assert.equal(c.download.maxPixels, 50_000_000);
  assert.equal(c.allowPrivateUrls, false);
  assert.equal(c.engine, 'classic');
  assert.equal(c.enginePriority, 'idle');
  assert.equal(loadConfig({ WANXING_ENGINE_NICE: '10' }).enginePriority, 10);
});

test('bad values stop the start with the variable named', () => {
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: '70000' }, /PORT=70000/],
    [{ WANXING_QUEUE: 'kafka' }, /WANXING_QUEUE=kafka/],
    [{ WANXING_APP_KEY: 'only-key' }, /together/],
    [{ WANXING_PUBLIC_URL: 'ftp://x' }, /WANXING_PUBLIC_URL/],
    [{ WANXING_FACE_MAX_YAW: '120' }, /WANXING_FACE_MAX_YAW/],
    [{ WANXING_NOTIFY_RETRY_DELAYS: '1,x' }, /WANXING_NOTIFY_RETRY_DELAYS/],
    [{ WANXING_ENGINE_NICE: 'low' }, /WANXING_ENGINE_NICE=low/],
    [{ WANXING_ENGINE_NICE: '-5' }, /WANXING_ENGINE_NICE=-5/],
    [{ WANXING_SWAP_OPTIONS: '{colour: 1}' }, /WANXING_SWAP_OPTIONS: not JSON/],
    [{ WANXING_SWAP_OPTIONS: '[1]' }, /WANXING_SWAP_OPTIONS: expected a JSON object/],
  ];
  for (const [env, re] of bad) assert.throws(() => loadConfig(env), (e: Error) => (e instanceof ConfigError || e instanceof Error) && re.test(e.message));
});

test('engine settings reach the engine factory options', () => {
  const c = loadConfig({ WANXING_FACE_MIN_PX: '80', WANXING_TEMPLATE_CACHE_MB: '16', WANXING_JPEG_QUALITY: '85', WANXING_MAX_IMAGE_PIXELS: '1000000' });
  const classic = engineSpecFor(c);
  assert.equal(classic.factory, 'createDefaultEngine');
  assert.equal((classic.options.limits as { minFacePx: number }).minFacePx, 80);
  assert.equal(classic.options.templateCacheBytes, 16 * 1024 * 1024);
  assert.equal(classic.options.jpegQuality, 85);
  assert.equal(classic.options.maxPixels, 1_000_000);
  const onnx = engineSpecFor({ ...c, engine: 'onnx', modelDir: '/models', onnx: { ...c.onnx, swapperFile: 'mine.onnx' } });
  assert.equal(onnx.factory, 'createOnnxEngine');
  assert.equal(onnx.options.modelDir, '/models');
  assert.equal(onnx.options.swapperFile, 'mine.onnx');
  assert.equal(onnx.options.jpegQuality, 85);
  assert.equal(engineSpecFor({ ...c, engine: '/opt/my-engine.js' }).factory, 'createEngine');
  assert.equal(classic.options.swap, undefined);
  const knobs = engineSpecFor(loadConfig({ WANXING_SWAP_OPTIONS: '{"colour":{"lowerFace":1}}' }));
  assert.deepEqual(knobs.options.swap, { colour: { lowerFace: 1 } });
});
