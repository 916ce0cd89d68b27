// The console's template gallery in a real browser (Debian's chromium, playwright-core; the real
// engine): register a template by upload, see its face, swap with it picked from the gallery, delete it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { faceA, faceB } from './engine-fixtures.ts';
import { noChromium, openConsole, type ConsoleSession } from './helpers/browser.ts';
import { tmpDir } from './helpers/service.ts';

describe('console template gallery in a browser', { skip: noChromium }, () => {
  let session: ConsoleSession;
  let svc: ConsoleSession['svc'];
  let page: Page;
  const dir = tmpDir('wanxing-browser-');
  const sourceFile = path.join(dir, 'me.jpg');
  const templateFile = path.join(dir, 'studio.jpg');

  before(async () => {
    fs.writeFileSync(sourceFile, await faceA('jpeg'));
    fs.writeFileSync(templateFile, await faceB('jpeg'));
    session = await openConsole({ WANXING_ENGINE: 'classic' }, { login: true });
    ({ svc, page } = session);
    page.on('dialog', (d) => void d.accept());
  });
  after(async () => {
    await session?.close();
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
