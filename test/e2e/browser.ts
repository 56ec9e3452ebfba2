import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Screenshots land here for a reviewer to look at (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-output/dashboard/', import.meta.url));

/** Debian's chromium, driven by playwright-core: no browser download. */
export async function launchBrowser(): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function newPage(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

/** Signs in through the login form and waits for the overview. */
export async function signIn(page: Page, baseUrl: string, user: string, password: string, domain = 'Default'): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.fill('input[name=domain]', domain);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('.shell');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Goes to a dashboard screen by its route and waits until that screen shows: a hash change does
 * not reload the page, so the previous screen's heading would satisfy a plain wait.
 */
export async function open(page: Page, baseUrl: string, route: string): Promise<void> {
  await page.goto(`${baseUrl}/#/${route}`);
  await page.waitForSelector(`nav a.active[href="#/${route}"]`);
}
