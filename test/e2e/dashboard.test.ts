import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { launchBrowser, newPage, open, screenshot, SCREENSHOTS, signIn } from './browser.ts';
import { startCloud, type Cloud } from './harness.ts';

function bash(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: SCREENSHOTS, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The dashboard in Debian's chromium against `./sovcloud up`, as the demo user and a domain manager use it. */
describe('dashboard', () => {
  let cloud: Cloud;
  let browser: Browser;
  let page: Page;
  let demoPassword: string;

  before(async () => {
    cloud = await startCloud();
    const clouds = parseYaml(await readFile(cloud.cloudsYaml, 'utf8')) as { clouds: Record<string, { auth: { password: string } }> };
    demoPassword = clouds.clouds['sovcloud-demo']!.auth.password;
    browser = await launchBrowser();
    page = await newPage(browser);
  });
  after(async () => {
    await browser?.close();
    await cloud?.stop();
  });

  it('signs demo in and shows the quota usage of its project', async () => {
    await page.goto(`${cloud.url}/`);
    await page.fill('input[name=username]', 'demo');
    await page.fill('input[name=password]', 'wrong password');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    assert.match(await page.textContent('[role=alert]') ?? '', /requires authentication/);
    await signIn(page, cloud.url, 'demo', demoPassword);
    await page.waitForSelector('[data-testid="quota-Instances"]');
    assert.match(await page.textContent('[data-testid="quota-Networks"]') ?? '', /1 of/);
    assert.equal(await page.$eval('[data-testid="project-switch"]', (s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent), 'demo');
    await screenshot(page, 'overview');
  });

  it('speaks German when asked', async () => {
    await page.selectOption('[data-testid="language"]', 'de');
    await page.waitForSelector('nav >> text=Übersicht');
    assert.ok(await page.isVisible('nav >> text=Instanzen'));
    await screenshot(page, 'overview-de');
    await page.selectOption('[data-testid="language"]', 'en');
    await page.waitForSelector('nav >> text=Overview');
  });

  it('shows a member no domain administration', async () => {
    assert.equal(await page.isVisible('nav >> text=Users and projects'), false);
    await page.goto(`${cloud.url}/#/domain`);
    await page.waitForSelector('.page-head h1');
    assert.equal(await page.textContent('.page-head h1'), 'Overview');
  });

  it('offers an RC file that works with the openstack CLI', async () => {
    await open(page, cloud.url, 'api-access');
    await screenshot(page, 'api-access');
    const [rc] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="download-rc"]')]);
    const file = join(SCREENSHOTS, 'demo-openrc.sh');
    await rc.saveAs(file);
    const r = await bash(`source ${file} && openstack network list -f json`, { OS_PASSWORD: demoPassword });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as { Name: string }[]).some((n) => n.Name === 'default-network'), r.stdout);
  });

  it('works on a phone', async () => {
    const phone = await newPage(browser, { width: 390, height: 844 });
    await signIn(phone, cloud.url, 'demo', demoPassword);
    await phone.waitForSelector('[data-testid="quota-Instances"]');
    await screenshot(phone, 'overview-phone');
    await phone.click('.menu-toggle');
    await phone.click('nav a >> text=API access');
    await phone.waitForSelector('[data-testid="download-rc"]');
    await phone.close();
  });
});
