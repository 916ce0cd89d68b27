// The console's server side: page, login/session cookie, CSRF header, uploads, submit, job view,
// recent jobs, notification attempts and redelivery, against the real service.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { APP_KEY, APP_SECRET, startTestService, until } from './helpers/service.ts';

type Svc = Awaited<ReturnType<typeof startTestService>>;

describe('console', () => {
  let svc: Svc;
  let cookie = '';
  const png = (w: number, h: number, r = 200) =>
    sharp({ create: { width: w, height: h, channels: 3, background: { r, g: 90, b: 60 } } }).png().toBuffer();

  const req = (path: string, init: RequestInit & { csrf?: boolean; noCookie?: boolean } = {}) =>
    fetch(`${svc.url}${path}`, {
      ...init,
      headers: {
        ...(init.csrf === false ? {} : { 'x-wanxing-console': '1' }),
        ...(init.noCookie || !cookie ? {} : { cookie }),
        ...(typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  async function upload(bytes: Buffer, name = 'a.png') {
    const form = new FormData();
    form.append('photo', new Blob([new Uint8Array(bytes)]), name);
    return (await (await req('/console/api/uploads', { method: 'POST', body: form })).json()) as any;
  }

  before(async () => {
    svc = await startTestService();
  });
  after(() => svc.close());

  it('serves the page with a strict CSP and the built script', async () => {
    const page = await fetch(`${svc.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/console\/app.js">/);
    const js = await fetch(`${svc.url}/console/app.js`);
    assert.equal(js.status, 200);
    assert.match(await js.text(), /console\/api\/swapface/);
  });

  it('refuses the console API without a session, and a login with a wrong secret', async () => {
    assert.equal((await req('/console/api/jobs')).status, 401);
    const bad = await req('/console/login', { method: 'POST', body: JSON.stringify({ app_key: APP_KEY, app_secret: 'nope' }) });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get('set-cookie'), null);
    const forged = await req('/console/api/jobs', { headers: { cookie: `wanxing_console=${Buffer.from(APP_KEY).toString('base64url')}.9999999999999.AAAA` } });
    assert.equal(forged.status, 401);
  });

  it('refuses console POSTs without the X-Wanxing-Console header', async () => {
    const r = await req('/console/login', { method: 'POST', csrf: false, body: JSON.stringify({ app_key: APP_KEY, app_secret: APP_SECRET }) });
    assert.equal(r.status, 403);
  });

  it('logs in: an HttpOnly, SameSite=Strict cookie that does not carry the secret', async () => {
    const r = await req('/console/login', { method: 'POST', body: JSON.stringify({ app_key: APP_KEY, app_secret: APP_SECRET }) });
    assert.equal(r.status, 200);
    const set = r.headers.get('set-cookie')!;
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Strict/);
    assert.ok(!set.includes(APP_SECRET) && !set.includes(Buffer.from(APP_SECRET).toString('base64url')));
    assert.doesNotMatch(JSON.stringify(await r.json()), new RegExp(APP_SECRET));
    cookie = set.split(';')[0]!;
    assert.deepEqual(await (await req('/console/api/session')).json(), { app_key: APP_KEY });
  });

  it('checks uploads like downloads: a GIF is ImageFormatUnsupported', async () => {
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
    const r = await upload(gif, 'x.gif');
    assert.equal(r.status, -320002);
    assert.equal(r.error, 'ImageFormatUnsupported');
  });

  it('runs a job from two uploads: live state, result, notification attempt, redelivery', async () => {
    const src = await upload(await png(64, 48));
    const tgt = await upload(await png(120, 90, 20));
    assert.equal(src.status, 0);
    assert.match(src.data.ref, /^wanxing-upload:[0-9a-f]{32}\.png$/);
    const preview = await req(src.data.preview);
    assert.equal(preview.status, 200);
    assert.equal(preview.headers.get('content-type'), 'image/png');

    const sub = (await (await req('/console/api/swapface', { method: 'POST', body: JSON.stringify({ source_url: src.data.ref, target_url: tgt.data.ref }) })).json()) as any;
    assert.equal(sub.status, 0, JSON.stringify(sub));
    const id = sub.data.job_id as string;

    const job = await until(async () => {
      const v = (await (await req(`/console/api/jobs/${id}`)).json()) as any;
      return v.data.state === 'finish' && v.data.notification?.state === 'delivered' && v.data;
    }, 15_000, 'job finish and notification');
    assert.match(job.result_url, /^\/results\/[0-9a-f]{32}\.png\?expires=\d+&sig=/);
    assert.equal(job.source, src.data.preview);
    assert.equal(job.notify_url, null);
    assert.equal(job.attempts.length, 1);
    assert.equal(job.attempts[0].ok, true);
    assert.ok(job.timings && typeof job.timings.test === 'number');
    const result = await fetch(`${svc.url}${job.result_url}`);
    assert.equal(result.status, 200);
    const meta = await sharp(Buffer.from(await result.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [120, 90]);
    // The job view carries its audit record (docs/COMPLIANCE.md): the label's content id is the job.
    assert.equal(job.audit.outcome, 'finish');
    assert.deepEqual(job.audit.label, { contentId: id, visible: true });
    assert.match(job.audit.resultSha256, /^[0-9a-f]{64}$/);

    const list = (await (await req('/console/api/jobs')).json()) as any;
    assert.equal(list.jobs[0].job_id, id);
    assert.equal(list.jobs[0].notification.attempts, 1);

    const re = (await (await req(`/console/api/jobs/${id}/redeliver`, { method: 'POST', body: '{}' })).json()) as any;
    assert.equal(re.status, 0);
    await until(async () => {
      const v = (await (await req(`/console/api/jobs/${id}`)).json()) as any;
      return v.data.attempts.length === 2 && v.data.notification.state === 'delivered';
    }, 10_000, 'redelivered attempt');
  });

  it('answers business errors with the envelope: missing source, bad timeout, unknown job', async () => {
    const miss = (await (await req('/console/api/swapface', { method: 'POST', body: JSON.stringify({ target_url: 'https://example.com/t.jpg' }) })).json()) as any;
    assert.equal(miss.status, -310001);
    assert.match(miss.errmsg, /source_url/);
    const t = (await (await req('/console/api/swapface', { method: 'POST', body: JSON.stringify({ source_url: 'https://e.com/a.jpg', target_url: 'https://e.com/b.jpg', timeout: '60' }) })).json()) as any;
    assert.equal(t.status, -310001);
    assert.match(t.errmsg, /timeout/);
    const gone = (await (await req('/console/api/swapface', { method: 'POST', body: JSON.stringify({ source_url: `wanxing-upload:${'0'.repeat(32)}.png`, target_url: 'https://e.com/b.jpg' }) })).json()) as any;
    assert.equal(gone.status, -310001);
    const unknown = (await (await req('/console/api/jobs/nope')).json()) as any;
    assert.equal(unknown.error, 'JobNotFound');
  });

  it('keeps upload references out of the public API', async () => {
    const src = await upload(await png(64, 48));
    const answer = await svc.client.post(`${svc.url}/swapface`, {
      data: { source_url: src.data.ref, target_url: 'https://example.com/t.jpg', notify_url: 'https://example.com/n' },
    });
    assert.equal(answer.status, -310001);
    assert.match(answer.errmsg, /source_url/);
  });

  it('shows a job only to its own app', async () => {
    const other = svc.apps.create('other');
    const login = await req('/console/login', { method: 'POST', noCookie: true, body: JSON.stringify({ app_key: other.appKey, app_secret: other.appSecret }) });
    const otherCookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const mine = (await (await req('/console/api/jobs')).json()) as any;
    const id = mine.jobs[0].job_id;
    const theirs = (await (await req(`/console/api/jobs/${id}`, { headers: { cookie: otherCookie } })).json()) as any;
    assert.equal(theirs.error, 'JobNotFound');
    const list = (await (await req('/console/api/jobs', { headers: { cookie: otherCookie } })).json()) as any;
    assert.equal(list.jobs.length, 0);
    svc.apps.revoke(other.appKey);
    assert.equal((await req('/console/api/jobs', { headers: { cookie: otherCookie } })).status, 401);
  });

  it('throttles logins per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await req('/console/login', { method: 'POST', noCookie: true, body: JSON.stringify({ app_key: APP_KEY, app_secret: `guess-${i}` }) });
      statuses.push(r.status);
    }
    // Earlier tests used 3 of the 10; the rest are refused before the secret is even looked at.
    assert.deepEqual(statuses.slice(0, 7), Array(7).fill(401));
    assert.equal(statuses.at(-1), 429);
  });
});

describe('console uploads over the byte cap', () => {
  it('answers ImageTooLarge', async () => {
    const svc = await startTestService({ WANXING_MAX_IMAGE_BYTES: '20000' });
    try {
      const login = await fetch(`${svc.url}/console/login`, {
        method: 'POST',
        headers: { 'x-wanxing-console': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ app_key: APP_KEY, app_secret: APP_SECRET }),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const noise = randomBytes(200 * 200 * 3); // incompressible
      const big = await sharp(noise, { raw: { width: 200, height: 200, channels: 3 } }).png().toBuffer();
      assert.ok(big.length > 20000);
      const form = new FormData();
      form.append('photo', new Blob([new Uint8Array(big)]), 'big.png');
      const r = (await (await fetch(`${svc.url}/console/api/uploads`, { method: 'POST', headers: { 'x-wanxing-console': '1', cookie }, body: form })).json()) as any;
      assert.equal(r.error, 'ImageTooLarge');
      assert.equal(r.status, -320003);
    } finally {
      await svc.close();
    }
  });
});
