import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { launchBrowser, newPage, open, screenshot, SCREENSHOTS, signIn } from './browser.ts';
import { startCloud, type Cloud } from './harness.ts';
import { eventually } from './vm.ts';

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
    page.on('dialog', (d) => void d.accept());
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
    // A fresh load of the URL, so nothing of the screen before can answer for it.
    await page.reload();
    await page.waitForSelector('.page-head h1');
    assert.equal(await page.textContent('.page-head h1'), 'Overview');
    assert.equal(await page.isVisible('[data-testid="domain-tab-users"]'), false);
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

  it('generates a key pair whose private key is offered once', async () => {
    await open(page, cloud.url, 'keypairs');
    await page.click('[data-testid="keypair-generate"]');
    await page.fill('[data-testid="keypair-name"]', 'dash-key');
    await page.click('[data-testid="keypair-submit"]');
    const [pem] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="keypair-download"]')]);
    const file = join(SCREENSHOTS, 'dash-key.pem');
    await pem.saveAs(file);
    assert.match(await readFile(file, 'utf8'), /-----BEGIN (RSA |OPENSSH )?PRIVATE KEY-----/);
    await page.waitForSelector('[data-testid="keypair-dash-key"]');
    assert.equal(await page.isVisible('[data-testid="keypair-download"]'), false, 'the private key is offered only once');
  });

  it('launches the tiny image through the wizard and sees it ACTIVE, then reads its console log', async () => {
    await open(page, cloud.url, 'instances');
    await page.click('[data-testid="launch-instance"]');
    await page.waitForSelector('[data-testid="launch-form"]');
    await page.fill('[data-testid="launch-name"]', 'dash-vm');
    assert.match(await page.textContent('[data-testid="launch-flavor-meaning"]') ?? '', /vCPU/);
    await screenshot(page, 'launch-wizard');
    await page.click('[data-testid="launch-submit"]');
    await page.waitForSelector('[data-testid="instance-status-dash-vm"][data-status="ACTIVE"]', { timeout: 180_000 });
    await screenshot(page, 'instances');
    await page.selectOption('[data-testid="instance-action-dash-vm"]', 'console');
    await page.waitForFunction(() => /login:|Linux version|sovcloud/i.test(document.querySelector('[data-testid="console-output"]')?.textContent ?? ''), undefined, { timeout: 180_000 });
    await screenshot(page, 'console-log');
    await page.click('[data-testid="panel-close"]');
  });

  it('opens the interactive serial console in the browser and gets the login prompt', async () => {
    await page.selectOption('[data-testid="instance-action-dash-vm"]', 'serial');
    await page.waitForSelector('[data-testid="serial-panel"] .xterm-rows');
    await page.waitForFunction(() => /login:/.test(document.querySelector('[data-testid="serial-panel"] .xterm-rows')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.keyboard.type('sovcloud');
    await page.waitForFunction(() => /login: *sovcloud/.test(document.querySelector('[data-testid="serial-panel"] .xterm-rows')?.textContent ?? ''), undefined, { timeout: 30_000 });
    await screenshot(page, 'serial-console');
    await page.click('[data-testid="serial-panel"] [data-testid="panel-close"]');
  });

  it('allocates a floating IP and associates it with the instance', async () => {
    const server = (await cloud.osJson<{ id: string }>('sovcloud-demo', ['server', 'show', 'dash-vm'])).id;
    await open(page, cloud.url, 'floating-ips');
    await page.click('[data-testid="fip-allocate"]');
    const ip = await eventually('the allocated floating IP', async () => (await cloud.osJson<{ 'Floating IP Address': string }[]>('sovcloud-demo', ['floating', 'ip', 'list']))[0]?.['Floating IP Address'], 30_000);
    await page.click(`[data-testid="fip-associate-${ip}"]`);
    await page.selectOption('[data-testid="fip-associate-server"]', server);
    await page.waitForSelector('[data-testid="fip-associate-port"] option[value]:not([value=""])', { state: 'attached' });
    await page.click('[data-testid="fip-associate-submit"]');
    await page.waitForSelector(`tr:has([data-testid="fip-${ip}"]) >> text=dash-vm`);
    await screenshot(page, 'floating-ips');
    const shown = await cloud.osJson<{ port_id: string | null }>('sovcloud-demo', ['floating', 'ip', 'show', ip]);
    assert.ok(shown.port_id, 'the floating IP has a port');
  });

  it('creates a volume and attaches it to the instance', async () => {
    const server = (await cloud.osJson<{ id: string }>('sovcloud-demo', ['server', 'show', 'dash-vm'])).id;
    await open(page, cloud.url, 'volumes');
    await page.click('[data-testid="volume-create"]');
    await page.fill('[data-testid="volume-name"]', 'dash-vol');
    await page.fill('[data-testid="volume-size"]', '1');
    await page.click('[data-testid="volume-create-submit"]');
    await page.waitForSelector('[data-testid="volume-status-dash-vol"] >> text=available', { timeout: 60_000 });
    await page.click('[data-testid="volume-attach-dash-vol"]');
    await page.selectOption('[data-testid="volume-attach-server"]', server);
    await page.click('[data-testid="volume-attach-submit"]');
    await page.waitForSelector('[data-testid="volume-status-dash-vol"] >> text=in-use', { timeout: 120_000 });
    await screenshot(page, 'volumes');
    const volume = await cloud.osJson<{ attachments: { server_id: string }[] }>('sovcloud-demo', ['volume', 'show', 'dash-vol']);
    assert.deepEqual(volume.attachments.map((a) => a.server_id), [server]);
  });

  it('uploads an object into a bucket folder and downloads it again', async () => {
    await open(page, cloud.url, 'buckets');
    await page.click('[data-testid="bucket-create-open"]');
    await page.fill('[data-testid="bucket-name"]', 'dash-bucket');
    await page.click('[data-testid="bucket-create"]');
    await page.click('[data-testid="bucket-dash-bucket"]');
    await page.click('[data-testid="folder-create-open"]');
    await page.fill('[data-testid="folder-name"]', 'docs');
    await page.click('[data-testid="folder-create"]');
    await page.click('[data-testid="folder-docs/"]');
    const content = `uploaded through the dashboard ${Date.now()}\n`;
    await page.click('[data-testid="object-upload-open"]');
    await page.setInputFiles('[data-testid="object-upload"]', { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from(content) });
    await page.waitForSelector('[data-testid="object-note.txt"]');
    await screenshot(page, 'bucket');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="object-download-note.txt"]')]);
    const file = join(SCREENSHOTS, 'note.txt');
    await dl.saveAs(file);
    assert.equal(await readFile(file, 'utf8'), content);
    const listed = await cloud.osJson<{ Name: string }[]>('sovcloud-demo', ['object', 'list', 'dash-bucket']);
    assert.deepEqual(listed.map((o) => o.Name).sort(), ['docs/', 'docs/note.txt']);
  });

  it('lets a domain manager create a user and give it a role on a project', async () => {
    const ok = async (args: string[]) => {
      const r = await cloud.os('sovcloud-admin', args);
      assert.equal(r.code, 0, r.stderr);
    };
    await ok(['user', 'create', '--domain', 'Default', '--password', 'Manager-Pass-1', 'dash-manager']);
    await ok(['role', 'add', '--user', 'dash-manager', '--domain', 'Default', 'manager']);
    await ok(['role', 'add', '--user', 'dash-manager', '--project', 'demo', 'member']);
    const manager = await newPage(browser);
    manager.on('dialog', (d) => void d.accept());
    await signIn(manager, cloud.url, 'dash-manager', 'Manager-Pass-1');
    await manager.click('nav a >> text=Users and projects');
    await manager.click('[data-testid="domain-tab-users"]');
    await manager.click('[data-testid="user-create-open"]');
    await manager.fill('[data-testid="user-name"]', 'dash-newcomer');
    await manager.fill('[data-testid="user-password"]', 'Newcomer-Pass-1');
    await manager.click('[data-testid="user-create"]');
    await manager.waitForSelector('[data-testid="user-dash-newcomer"]');
    await manager.click('[data-testid="domain-tab-assignments"]');
    await manager.selectOption('[data-testid="assign-project"]', { label: 'demo' });
    await manager.selectOption('[data-testid="assign-actor"]', { label: 'dash-newcomer' });
    await manager.selectOption('[data-testid="assign-role"]', { label: 'member' });
    await manager.click('[data-testid="assign-submit"]');
    await manager.waitForSelector('[data-testid="assignment-dash-newcomer-member"]');
    await screenshot(manager, 'domain-admin');
    const roles = await cloud.osJson<{ Role: string; Project: string }[]>('sovcloud-admin', ['role', 'assignment', 'list', '--user', 'dash-newcomer', '--names']);
    assert.deepEqual(roles.map((r) => [r.Role, r.Project]), [['member', 'demo@Default']]);
    await manager.close();
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
