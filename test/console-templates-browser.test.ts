// The console's template gallery in a real browser (Debian's chromium, playwright-core; the real
// engine): register a template by upload, see its face, swap with it picked from the gallery, delete it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { faceA, faceB } from './engine-fixtures.ts';
import { APP_KEY, APP_SECRET, startTestService, tmpDir } from './helpers/service.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('console template gallery in a browser', { skip: !fs.existsSync(CHROMIUM) && `no chromium at ${CHROMIUM} (apt-get install chromium)` }, () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let browser: Browser;
  let page: Page;
  const dir = tmpDir('wanxing-browser-');
  const sourceFile = path.join(dir, 'me.jpg');
  const templateFile = path.join(dir, 'studio.jpg');

  before(async () => {
    fs.writeFileSync(sourceFile, await faceA('jpeg'));
    fs.writeFileSync(templateFile, await faceB('jpeg'));
    svc = await startTestService({ WANXING_ENGINE: 'classic' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void d.accept());
    await page.goto(svc.url);
    await page.fill('#app-key', APP_KEY);
    await page.fill('#app-secret', APP_SECRET);
    await page.click('#login-btn');
    await page.waitForSelector('#workspace', { state: 'visible' });
  });
  after(async () => {
    await browser?.close();
    await svc?.close();
  });

  it('registers a template by upload, shows its face, swaps with it, deletes it', async () => {
    await page.waitForSelector('#tpl-empty', { state: 'visible' });
    await page.setInputFiles('#tpl-file', templateFile);
    await page.fill('#tpl-name', 'studio');
    const registered = page.waitForResponse((r) => r.url().endsWith('/console/api/templates') && r.request().method() === 'POST');
    await page.click('#tpl-add');
    const answer = await (await registered).json();
    assert.equal(answer.status, 0, JSON.stringify(answer));
    const id = answer.data.template_id as string;
    const card = `.tpl[data-id="${id}"]`;
    await page.waitForSelector(`${card} .tpl-face`);
    assert.match((await page.textContent(`${card} figcaption`))!, /studio.*400×400 · 1 face/);
    // Its stored image loads in the card.
    await page.waitForFunction((sel) => (document.querySelector(`${sel} img`) as HTMLImageElement)?.naturalWidth === 400, card);

    // Pick it, give a user photo, swap: the job is sent with template_id.
    await page.click(`${card} .tpl-use`);
    await page.waitForSelector(`${card}.chosen`);
    const uploaded = page.waitForResponse((r) => r.url().endsWith('/console/api/uploads'));
    await page.setInputFiles('#source-file', sourceFile);
    assert.equal((await (await uploaded).json()).status, 0);
    const submitted = page.waitForRequest((r) => r.url().endsWith('/console/api/swapface'));
    await page.click('#submit-btn');
    const body = JSON.parse((await submitted).postData()!);
    assert.equal(body.template_id, id);
    assert.equal(body.target_url, undefined);
    await page.waitForSelector('#job-state[data-state="finish"]', { timeout: 120_000 });
    await page.waitForFunction(() => (document.querySelector('#result-img') as HTMLImageElement).naturalWidth === 400);
    const job = (await svc.jobs.store.get((await page.textContent('#job-id'))!))!;
    assert.equal(job.targetUrl, `wanxing-template:${id}`);
    assert.equal(job.timings?.analyseTarget, undefined, 'the stored analysis was used');

    // Delete it from the gallery.
    await page.click(`${card} .tpl-delete`);
    await page.waitForSelector(card, { state: 'detached' });
    await page.waitForSelector('#tpl-empty', { state: 'visible' });
  });
});
