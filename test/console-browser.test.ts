// The console in a real browser (Debian's chromium driven by playwright-core): log in, upload two
// face photos, watch the job finish, see the result image, and a failing job's error message.
// WANXING_UPDATE_SCREENSHOT=1 also writes docs/screenshots/console.png (README);
// WANXING_BROWSER_TEST_ENGINE=classic runs the real engine instead of the test engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { faceA, faceB } from './engine-fixtures.ts';
import { noChromium, openConsole, type ConsoleSession } from './helpers/browser.ts';
import { APP_KEY, APP_SECRET, ROOT, tmpDir } from './helpers/service.ts';

describe('console in a browser', { skip: noChromium }, () => {
  let session: ConsoleSession;
  let svc: ConsoleSession['svc'];
  let page: Page;
  const dir = tmpDir('wanxing-browser-');
  const sourceFile = path.join(dir, 'me.jpg');
  const targetFile = path.join(dir, 'template.jpg');

  before(async () => {
    fs.writeFileSync(sourceFile, await faceA('jpeg'));
    fs.writeFileSync(targetFile, await faceB('jpeg'));
    const engine = process.env.WANXING_BROWSER_TEST_ENGINE;
    session = await openConsole(engine ? { WANXING_ENGINE: engine } : {});
    ({ svc, page } = session);
  });
  after(async () => {
    await session?.close();
  });

  it('logs in with the app key and secret', async () => {
    await page.goto(svc.url);
    await page.fill('#app-secret', 'wrong');
    await page.fill('#app-key', APP_KEY);
    await page.click('#login-btn');
    await page.waitForSelector('#login-error:has-text("AppSecret")');
    await page.fill('#app-secret', APP_SECRET);
    await page.click('#login-btn');
    await page.waitForSelector('#workspace', { state: 'visible' });
    assert.equal(await page.textContent('#who'), `app ${APP_KEY}`);
    const cookies = await page.context().cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0]!.httpOnly, true);
    assert.equal(cookies[0]!.sameSite, 'Strict');
    assert.ok(!JSON.stringify(cookies).includes(APP_SECRET));
  });

  it('uploads two face photos, follows the job and shows the result', async () => {
    for (const [input, file] of [['#source-file', sourceFile], ['#target-file', targetFile]] as const) {
      const uploaded = page.waitForResponse((r) => r.url().endsWith('/console/api/uploads'));
      await page.setInputFiles(input, file);
      assert.equal((await (await uploaded).json()).status, 0);
    }
    await page.click('#submit-btn');
    await page.waitForSelector('#job-state[data-state="finish"]', { timeout: 60_000 });
    await page.waitForSelector('#result-img', { state: 'visible' });
    // The result really loaded: a decoded image at the template's size.
    await page.waitForFunction(() => (document.querySelector('#result-img') as HTMLImageElement).naturalWidth > 0);
    const size = await page.$eval('#result-img', (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
    assert.deepEqual(size, [400, 400]);
    assert.match((await page.getAttribute('#download', 'href'))!, /^\/results\/[0-9a-f]{32}\.jpg\?expires=/);
    assert.deepEqual(
      await page.$$eval('#stepper li', (lis) => lis.map((li) => li.className)),
      ['done', 'done', 'done', 'done'],
    );
    await page.waitForSelector('#notification .badge.delivered');
    await page.waitForSelector('#jobs-table tbody tr .badge.finish');
  });

  it('takes the README screenshot', async () => {
    await page.fill('#slider', '55');
    await page.dispatchEvent('#slider', 'input');
    await page.evaluate(() => window.scrollTo(0, 0));
    const shot = await page.screenshot({ fullPage: true });
    assert.ok(shot.length > 10_000);
    if (process.env.WANXING_UPDATE_SCREENSHOT === '1') {
      fs.mkdirSync(path.join(ROOT, 'docs/screenshots'), { recursive: true });
      fs.writeFileSync(path.join(ROOT, 'docs/screenshots/console.png'), shot);
    }
  });

  it('explains a failed job by its error code', async () => {
    await page.fill('#source-url', 'http://127.0.0.1:9/missing.jpg');
    await page.dispatchEvent('#source-url', 'change');
    await page.click('#submit-btn');
    await page.waitForSelector('#job-state[data-state="fail"]', { timeout: 30_000 });
    const text = await page.textContent('#job-error');
    assert.match(text!, /ImageDownloadFailed \(-320001\)/);
    assert.match(text!, /could not be downloaded/);
  });

  it('shows a submit error from the envelope', async () => {
    await page.click('details summary');
    await page.fill('#timeout', '0');
    await page.click('#submit-btn');
    await page.waitForSelector('#submit-error:has-text("InvalidArguments")');
    assert.match((await page.textContent('#submit-error'))!, /timeout/);
  });

  it('sends the chosen style ("my own": source) with the job', async () => {
    await page.fill('#timeout', '');
    await page.selectOption('#style', 'source');
    const answer = page.waitForResponse((r) => r.url().endsWith('/console/api/swapface'));
    await page.click('#submit-btn');
    const env = await (await answer).json();
    assert.equal(env.status, 0, JSON.stringify(env));
    assert.equal((await svc.jobs.store.get(env.data.job_id))?.style, 'source');
  });
});
