// /openapi.json is built from the schemas the routes validate with, and /docs renders it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { queryRequestSchema, swapRequestSchema } from '../src/api/schemas.ts';
import { parseQueryRequest, parseSwapRequest } from '../src/jobs/validate.ts';
import { ERRORS } from '../src/jobs/errors.ts';
import { startTestService } from './helpers/service.ts';

describe('OpenAPI', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let doc: any;

  before(async () => {
    svc = await startTestService({ WANXING_MAX_TIMEOUT_S: '600' });
    doc = await (await fetch(`${svc.url}/openapi.json`)).json();
  });
  after(() => svc.close());

  it('describes the signed endpoints with the validating schemas', () => {
    assert.equal(doc.openapi, '3.1.0');
    for (const p of ['/swapface', '/query', '/notify/redeliver']) assert.ok(doc.paths[p].post.requestBody, p);
    assert.deepEqual(doc.components.schemas.SwapRequest, JSON.parse(JSON.stringify(swapRequestSchema(svc.config.jobs))));
    assert.equal(doc.components.schemas.SwapRequest.properties.timeout.maximum, 600);
    assert.deepEqual(doc.components.schemas.SwapRequest.properties.style.enum, ['template', 'source', null]);
    assert.deepEqual(doc.components.schemas.ErrorEnvelope.properties.error.enum, Object.keys(ERRORS));
    assert.equal(doc.servers[0].url, svc.config.publicUrl);
    assert.ok(doc.webhooks.notification);
  });

  it('agrees with the server: what the published schema refuses, /swapface answers InvalidArguments', async () => {
    const check = new Ajv({ strict: false }).compile(doc.components.schemas.SwapRequest);
    const ok = { source_url: 'https://e.com/a.jpg', target_url: 'https://e.com/b.jpg', notify_url: 'https://e.com/n' };
    const bodies = [
      ok,
      { ...ok, timeout: 30 },
      { ...ok, timeout: '30' },
      { ...ok, timeout: 601 },
      { ...ok, timeout: 0 },
      { ...ok, source_url: 42 },
      { ...ok, target_url: 'ftp://e.com/b.jpg' },
      { target_url: ok.target_url, notify_url: ok.notify_url },
      { ...ok, notify_url: ['https://e.com/n'] },
      { ...ok, target_face: 1 },
      { ...ok, target_face: { x: 10, y: 20.5 } },
      { ...ok, target_face: -1 },
      { ...ok, target_face: { x: 10 } },
      { ...ok, source_face: 2.5 },
      { target_url: ok.target_url, notify_url: ok.notify_url, faces: [{ source_url: ok.source_url, target_face: 0 }, { source_url: ok.source_url, target_face: { x: 1, y: 2 } }] },
      { ...ok, faces: [{ source_url: ok.source_url, target_face: 0 }] },
      { target_url: ok.target_url, notify_url: ok.notify_url, faces: [] },
      { target_url: ok.target_url, notify_url: ok.notify_url, faces: [{ source_url: ok.source_url, target_face: 0, extra: 1 }] },
      { ...ok, style: 'source' },
      { ...ok, style: 'template' },
      { ...ok, style: null },
      { ...ok, style: 'bogus' },
      { ...ok, style: 1 },
    ];
    for (const body of bodies) {
      const answer = await svc.client.post(`${svc.url}/swapface`, { data: body });
      assert.equal(answer.status === 0, check(body), `${JSON.stringify(body)} → ${JSON.stringify(answer)}`);
      if (answer.status !== 0) assert.equal(answer.error, 'InvalidArguments');
    }
  });

  it('property: every body validate.ts accepts, the schema accepts too (it never decides the answer alone)', () => {
    const rules = { defaultTimeoutS: 7200, maxTimeoutS: 600 };
    const swap = new Ajv({ strict: true }).compile(swapRequestSchema(rules));
    const query = new Ajv({ strict: true }).compile(queryRequestSchema);
    const accepts = (fn: () => unknown) => {
      try {
        fn();
        return true;
      } catch {
        return false;
      }
    };
    const url = fc.oneof(
      fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }),
      fc.string({ unit: 'grapheme' }).map((s) => `http://e.com/${s}`),
      fc.constantFrom('HTTP:/e.com', 'https:\\\\e.com\\a', 'http://e.com/\u00a0', 'http://e.com/\u2028'),
    );
    const value = fc.oneof(url, fc.anything());
    fc.assert(
      fc.property(
        fc.record({ source_url: value, target_url: value, notify_url: value, timeout: fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.anything()) }, { requiredKeys: [] }),
        (body) => !accepts(() => parseSwapRequest(body, rules)) || swap(body),
      ),
      { numRuns: 3000 },
    );
    fc.assert(fc.property(fc.record({ job_id: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 130 }), fc.anything()) }), (b) => !accepts(() => parseQueryRequest(b)) || query(b)));
  });

  it('serves a readable page of the same document', async () => {
    const html = await (await fetch(`${svc.url}/docs`)).text();
    assert.match(html, /<code>\/swapface<\/code>/);
    assert.match(html, /<code>source_url<\/code>/);
    for (const name of Object.keys(ERRORS)) assert.ok(html.includes(`<code>${name}</code>`), name);
  });
});
