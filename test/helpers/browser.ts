// The console's browser tests: Debian's chromium driven by playwright-core (it cannot download
// browsers here), against a real test service.
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { APP_KEY, APP_SECRET, startTestService } from './service.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** describe()'s skip option: the reason when there is no chromium to drive. */
export const noChromium = !fs.existsSync(CHROMIUM) && `no chromium at ${CHROMIUM} (apt-get install chromium)`;

export interface ConsoleSession {
  svc: Awaited<ReturnType<typeof startTestService>>;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** A test service and a browser page on its console (`login`: signed in with the test app's key). */
export async function openConsole(env: Record<string, string>, opts: { login?: boolean } = {}): Promise<ConsoleSession> {
  const svc = await startTestService(env);
  // playwright gives the browser a fresh temporary profile (--user-data-dir) of its own.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const close = async () => {
    await browser.close();
    await svc.close();
  };
  if (opts.login) {
    await page.goto(svc.url);
    await page.fill('#app-key', APP_KEY);
    await page.fill('#app-secret', APP_SECRET);
    await page.click('#login-btn');
    await page.waitForSelector('#workspace', { state: 'visible' });
  }
  return { svc, browser, page, close };
}
