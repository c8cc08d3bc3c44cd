import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { anAlert } from '../support/builders.js';
import { browserSkip, buildTempConsole, launchBrowser, watchErrors } from '../support/browser.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

const API_TOKEN = 'console-api-token-5T0KEN';
const READ_TOKEN = 'console-read-token-R34D';
const SECRETS = ['S3CR3T-OPS-HEADER-7781', 'S3CR3T-BROKEN-KEY-4410', 'S3CR3TSLACKPATH9931'];
const WRITE_BUTTON = /replay|purge|delete|send test alert/i;
const VIEWPORT = { width: 1280, height: 800 };

function yaml(urls: { ok: string; broken: string; chat: string }, auth: boolean): string {
  return `
${auth ? `auth: { api_token: "${API_TOKEN}", read_token: "${READ_TOKEN}" }` : ''}
retry: { max_retries: 0 }
circuit_breaker: { failure_threshold: 1000 }
targets:
  - name: ops
    type: webhook
    url: "${urls.ok}/hook"
    headers: { authorization: "Bearer ${SECRETS[0]}" }
    match: ['team="ops"']
  - name: broken
    type: webhook
    url: "${urls.broken}/hook"
    headers: { x-api-key: "${SECRETS[1]}" }
    match: ['team="db"']
  - name: chat
    type: slack
    url: "${urls.chat}/services/T0/B0/${SECRETS[2]}"
    match: ['team="web"']
`;
}

interface Stack {
  app: RunningApp;
  ok: TargetServer;
  broken: TargetServer;
  chat: TargetServer;
  stop(): Promise<void>;
}

/** The real app on a scratch database, three local targets, dead letters to triage. */
async function startStack(consoleDir: string, auth: boolean): Promise<Stack> {
  const ok = await startTargetServer({ status: 200 });
  const broken = await startTargetServer({ status: 400, body: 'bad request' });
  const chat = await startTargetServer({ status: 500, body: 'slack is down' });
  const scratch = await createScratchDatabase();
  const app = await startApp({
    yaml: yaml({ ok: ok.url, broken: broken.url, chat: chat.url }, auth),
    databaseUrl: scratch.url,
    consoleDir,
  });
  const token = auth ? API_TOKEN : undefined;
  const alerts = [
    anAlert({ team: 'ops', alertname: 'Heartbeat' }),
    anAlert({ team: 'db', alertname: 'DiskFull', instance: 'db-1' }),
    anAlert({ team: 'db', alertname: 'ReplicaLag', instance: 'db-2' }),
    anAlert({ team: 'db', alertname: 'ReplicaLag', instance: 'db-3' }),
    anAlert({ team: 'db', alertname: 'ReplicaLag', instance: 'db-4' }),
    anAlert({ team: 'web', alertname: 'ErrorBudget' }),
  ];
  for (const alert of alerts) {
    const res = await call(app.url, 'POST', '/api/v2/publishing/queue/submit', {
      json: { alert },
      ...(token === undefined ? {} : { token }),
    });
    assert.equal(res.status, 202);
  }
  await eventually('five dead letters', async () => {
    const res = await call(
      app.url,
      'GET',
      '/api/v2/publishing/dlq/stats',
      token === undefined ? {} : { token },
    );
    return (res.body as { total: number }).total === 5;
  });
  // Memory mode records the alert states behind, within a second.
  await eventually('six alerts recorded', async () => {
    const res = await call(
      app.url,
      'GET',
      '/api/v2/publishing/alerts',
      token === undefined ? {} : { token },
    );
    return (res.body as { alerts: unknown[] }).alerts.length === 6;
  });
  return {
    app,
    ok,
    broken,
    chat,
    async stop() {
      await app.stop();
      await Promise.all([ok.close(), broken.close(), chat.close()]);
      await scratch.drop();
    },
  };
}

/**
 * Waits until the page has loaded what it shows (no "Loading …" left), checks it shows no
 * error and fits the viewport's width. (The console's CSP forbids eval, so no waitForFunction.)
 */
async function settled(page: Page): Promise<void> {
  await page.locator('main h1').waitFor();
  await page
    .locator('main')
    .getByText(/^Loading/)
    .first()
    .waitFor({ state: 'hidden' });
  const failures = await page.locator('main .error[role="alert"]').allInnerTexts();
  assert.deepEqual(failures, [], `${page.url()} shows an error`);
  const width = await page.evaluate('document.documentElement.scrollWidth');
  assert.ok(
    typeof width === 'number' && width <= VIEWPORT.width,
    `${page.url()} is ${String(width)} px wide`,
  );
}

async function heading(page: Page): Promise<string> {
  await settled(page);
  return (await page.locator('main h1').innerText()).trim();
}

async function signIn(context: BrowserContext, url: string, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/ui/`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('API token or read token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  return page;
}

async function enabledButtonNames(page: Page): Promise<string[]> {
  const names: string[] = [];
  for (const button of await page.getByRole('button').all()) {
    if (await button.isEnabled())
      names.push((await button.getAttribute('aria-label')) ?? (await button.innerText()));
  }
  return names;
}

describe('operator console in a real browser', async () => {
  const skip = browserSkip();
  if (skip !== false || !(await isPostgresReachable())) {
    it(
      'runs in Chromium against PostgreSQL',
      { skip: skip || 'PostgreSQL unreachable' },
      () => undefined,
    );
    return;
  }
  let built: Awaited<ReturnType<typeof buildTempConsole>>;
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  before(async () => {
    built = await buildTempConsole();
    stack = await startStack(built.outDir, true);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: VIEWPORT });
    page = await signIn(context, stack.app.url, API_TOKEN);
    errors = watchErrors(page);
  });
  after(async () => {
    await browser.close();
    await stack.stop();
    await built.remove();
  });

  it('ships under 150 KiB of gzipped script and paints the overview first thing', async (t) => {
    for (const [name, bytes] of Object.entries(built.gzippedBytes)) {
      assert.ok(bytes < 150 * 1024, `${name}: ${bytes} bytes gzipped`);
    }
    // A new tab has its own sessionStorage: it asks for the token again.
    const fresh = await context.newPage();
    await fresh.goto(`${stack.app.url}/ui/`);
    await fresh.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    const paint = await fresh.evaluate(
      'performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1',
    );
    t.diagnostic(
      `first contentful paint ${String(paint)} ms; gzipped ${JSON.stringify(built.gzippedBytes)}`,
    );
    assert.equal(typeof paint, 'number');
    await fresh.close();
  });

  it('asks for the token once and loads every page without a script error', async () => {
    await page.reload();
    assert.equal(await heading(page), 'Overview');
    await settled(page);
    await page.getByRole('cell', { name: 'broken' }).first().waitFor();
    for (const [link, title] of [
      ['Dead letters', 'Dead letters'],
      ['Alerts', 'Alerts'],
      ['Jobs', 'Jobs'],
    ] as const) {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: link })
        .click();
      assert.equal(await heading(page), title);
      await settled(page);
    }
    await page.getByRole('link', { name: /^job / }).first().click();
    assert.match(await heading(page), /^Job /);
    await settled(page);
    await page.getByRole('link', { name: /^[0-9a-f]{16}$/ }).click();
    await settled(page);
    assert.match(await heading(page), /[0-9a-f]{16}/);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Dead letters' })
      .click();
    await settled(page);
    await page.getByRole('link', { name: 'ErrorBudget' }).click();
    assert.equal(await heading(page), 'ErrorBudget to chat');
    await settled(page);
    await page.goto(`${stack.app.url}/ui/alerts?q=ReplicaLag`);
    await settled(page);
    assert.equal(await page.getByRole('link', { name: 'ReplicaLag' }).count(), 3);
    assert.deepEqual(errors, []);
  });

  it('finds a dead letter by filter, opens it, replays it, and the target receives it', async () => {
    await page.goto(`${stack.app.url}/ui/dead-letters`);
    await settled(page);
    await page.getByLabel('Target').selectOption('broken');
    await page.getByLabel('Reason').selectOption('client_error');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/target=broken&reason=client_error/);
    await settled(page);
    assert.equal(await page.locator('table.letters tbody tr').count(), 4);
    await page.getByRole('link', { name: 'DiskFull' }).click();
    assert.equal(await heading(page), 'DiskFull to broken');
    await settled(page);

    stack.broken.setDefault({ status: 200 });
    const before = stack.broken.requests.length;
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Replayed as job/ })
      .first()
      .waitFor();
    const received = await stack.broken.waitForRequests(before + 1);
    assert.match(received[before]?.body ?? '', /DiskFull/);
    await page
      .getByText(/replay (submitted|succeeded)/)
      .first()
      .waitFor();
    assert.equal(
      await page.getByRole('button', { name: 'Replay', exact: true }).isDisabled(),
      true,
    );
    assert.deepEqual(errors, []);
  });

  it('shows an alert timeline: jobs per target in order with attempts, supersession, letter and replay', async () => {
    // A firing and its resolve in one request: the firing is superseded before it is sent.
    const flapping = anAlert({ team: 'ops', alertname: 'Flapping' });
    const res = await call(stack.app.url, 'POST', '/webhook', {
      json: {
        version: '4',
        groupKey: '{}:{}',
        status: 'resolved',
        receiver: 'ap',
        alerts: [flapping, { ...flapping, status: 'resolved', endsAt: '2026-11-29T12:00:00Z' }],
      },
    });
    assert.equal(res.status, 202);
    await eventually('the resolve delivered and the replay of DiskFull recorded', async () => {
      const letters = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq?target=broken', {
        token: API_TOKEN,
      });
      const entries = (letters.body as { entries: { replay_result: string | null }[] }).entries;
      const flappingJobs = await call(
        stack.app.url,
        'GET',
        `/api/v2/publishing/alerts/${flapping.fingerprint}`,
        { token: API_TOKEN },
      );
      const jobs = (flappingJobs.body as { targets?: { jobs: { state: string }[] }[] }).targets?.[0]
        ?.jobs;
      return (
        entries.some((e) => e.replay_result === 'succeeded') &&
        jobs?.map((j) => j.state).join() === 'superseded,succeeded'
      );
    });

    await page.goto(`${stack.app.url}/ui/alerts?q=DiskFull`);
    await settled(page);
    await page.getByRole('link', { name: 'DiskFull' }).click();
    assert.match(await heading(page), /^DiskFull [0-9a-f]{16}$/);
    const broken = page.locator('section', {
      has: page.getByRole('heading', { level: 2, name: /^broken/ }),
    });
    const jobs = broken.locator('li.timeline-job');
    assert.equal(await jobs.count(), 2);
    const [failed, replay] = [await jobs.nth(0).innerText(), await jobs.nth(1).innerText()];
    assert.match(failed, /firing\s+dlq/);
    assert.match(failed, /HTTP 400 · client error · \d+ ms/);
    assert.match(failed, /Dead-lettered as letter [0-9a-f]{8}: client error 400/);
    assert.match(failed, /replay succeeded/);
    assert.match(failed, /replayed as job [0-9a-f]{8}/);
    assert.match(replay, /firing\s+succeeded/);
    assert.match(replay, /replay of letter [0-9a-f]{8}/);
    assert.match(replay, /HTTP 200/);

    await page.goto(`${stack.app.url}/ui/alerts/${flapping.fingerprint}`);
    assert.match(await heading(page), /^Flapping /);
    const ops = page.locator('section', {
      has: page.getByRole('heading', { level: 2, name: /^ops/ }),
    });
    assert.match(
      await ops.getByRole('heading', { level: 2 }).innerText(),
      /newest state\s+resolved/,
    );
    const steps = await ops.locator('li.timeline-job').allInnerTexts();
    assert.equal(steps.length, 2);
    assert.match(steps[0] ?? '', /firing\s+superseded\s+by job [0-9a-f]{8}/);
    assert.doesNotMatch(steps[0] ?? '', /HTTP/, 'the superseded firing was never attempted');
    assert.match(steps[1] ?? '', /resolved\s+succeeded/);
    assert.match(steps[1] ?? '', /HTTP 200/);
    assert.deepEqual(errors, []);
  });

  it('previews a bulk replay with a dry run, then replays the filtered letters on confirmation', async () => {
    await page.goto(`${stack.app.url}/ui/dead-letters?target=broken&replayed=false`);
    await settled(page);
    const before = stack.broken.requests.length;
    await page.getByRole('button', { name: 'Replay matching…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay dead letters?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /3 letters would be replayed/);
    // The confirm button has the focus: the keyboard is enough.
    await page.keyboard.press('Enter');
    await page.getByText('Replayed 3 of 3 letters.').first().waitFor();
    const received = await stack.broken.waitForRequests(before + 3);
    const names = received.slice(before).map((request) => /ReplicaLag/.test(request.body));
    assert.deepEqual(names, [true, true, true]);
    assert.deepEqual(errors, []);
  });

  it('asks before a purge, and Escape cancels it', async () => {
    await page.goto(`${stack.app.url}/ui/dead-letters`);
    await settled(page);
    await page.getByRole('button', { name: 'Purge…' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Purge dead letters?' });
    await dialog.waitFor();
    assert.equal((await page.locator('dialog :focus').innerText()).trim(), 'Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const stats = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq/stats', {
      token: API_TOKEN,
    });
    assert.equal((stats.body as { total: number }).total, 5);
  });

  it('sends a test alert from the overview', async () => {
    await page.goto(`${stack.app.url}/ui/`);
    await settled(page);
    const before = stack.ok.requests.length;
    await page.getByRole('button', { name: 'Send test alert to ops' }).click();
    await page.getByText(/delivered · HTTP 200/).waitFor();
    await stack.ok.waitForRequests(before + 1);
  });

  it('shows a read token every page with no enabled write button', async () => {
    const reader = await browser.newContext({ viewport: VIEWPORT });
    const readerPage = await signIn(reader, stack.app.url, READ_TOKEN);
    const readerErrors = watchErrors(readerPage);
    await readerPage.getByText('read-only').waitFor();
    const letter = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq?target=chat', {
      token: READ_TOKEN,
    });
    const id = (letter.body as { entries: { id: string }[] }).entries[0]?.id ?? '';
    for (const path of [
      '/ui/',
      '/ui/dead-letters',
      `/ui/dead-letters/${id}`,
      '/ui/jobs',
      '/ui/alerts',
    ]) {
      await readerPage.goto(`${stack.app.url}${path}`);
      await settled(readerPage);
      const enabled = await enabledButtonNames(readerPage);
      assert.deepEqual(
        enabled.filter((name) => WRITE_BUTTON.test(name)),
        [],
        path,
      );
    }
    await readerPage.goto(`${stack.app.url}/ui/dead-letters`);
    await settled(readerPage);
    assert.ok((await readerPage.getByRole('button', { name: /^Replay/ }).count()) > 0);
    assert.deepEqual(readerErrors, []);
    await reader.close();
  });

  it('never shows a secret of a target, nor the token', async () => {
    const letters = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq', {
      token: API_TOKEN,
    });
    const ids = (letters.body as { entries: { id: string }[] }).entries.map((e) => e.id);
    const fingerprints = (letters.body as { entries: { fingerprint: string }[] }).entries.map(
      (e) => e.fingerprint,
    );
    const paths = [
      '/ui/',
      '/ui/dead-letters',
      '/ui/jobs',
      '/ui/alerts',
      ...ids.map((id) => `/ui/dead-letters/${id}`),
      ...fingerprints.map((fingerprint) => `/ui/alerts/${fingerprint}`),
    ];
    for (const path of paths) {
      await page.goto(`${stack.app.url}${path}`);
      await settled(page);
      const html = await page.content();
      for (const secret of [...SECRETS, API_TOKEN, READ_TOKEN]) {
        assert.ok(!html.includes(secret), `${path} shows ${secret}`);
      }
    }
    await page.goto(`${stack.app.url}/ui/dead-letters/${ids[0] ?? ''}`);
    await page.getByRole('heading', { name: /Target configuration/ }).waitFor();
    assert.match(await page.locator('main').innerText(), /url/);
  });
});

/** A page on another origin that tries every write a browser lets it send without asking. */
function attackPage(app: string, id: string): string {
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="replay" method="POST" action="${app}/api/v2/publishing/dlq/${id}/replay" target="sink"></form>
<form id="bulk" method="POST" enctype="text/plain" action="${app}/api/v2/publishing/dlq/replay" target="sink">
  <input name='{"filters":{},"limit":10,"x":"' value='"}'></form>
<script>
const api = ${JSON.stringify(`${app}/api/v2/publishing`)};
const quiet = (p) => p.then(() => undefined, () => undefined);
const tries = [
  quiet(fetch(api + '/dlq/${id}/replay', { method: 'POST', mode: 'no-cors' })),
  quiet(fetch(api + '/dlq/replay', { method: 'POST', mode: 'no-cors', body: '{"filters":{},"limit":10}' })),
  quiet(fetch(api + '/targets/broken/test', { method: 'POST', mode: 'no-cors' })),
  quiet(fetch(api + '/dlq/purge?older_than=1s', { method: 'DELETE' })),
  quiet(fetch(api + '/dlq/${id}', { method: 'DELETE' })),
  quiet(fetch(api + '/dlq/${id}/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })),
];
navigator.sendBeacon(api + '/dlq/${id}/replay');
let loads = 0;
document.querySelector('iframe').addEventListener('load', () => {
  loads += 1;
  if (loads === 1) document.getElementById('bulk').submit();
  if (loads === 2) Promise.all(tries).then(() => { window.attackDone = true; });
});
document.getElementById('replay').submit();
</script></body></html>`;
}

describe('the console without tokens, and a page of another origin', async () => {
  const skip = browserSkip();
  if (skip !== false || !(await isPostgresReachable())) {
    it(
      'runs in Chromium against PostgreSQL',
      { skip: skip || 'PostgreSQL unreachable' },
      () => undefined,
    );
    return;
  }
  let built: Awaited<ReturnType<typeof buildTempConsole>>;
  let stack: Stack;
  let browser: Browser;
  let evil: ReturnType<typeof createServer>;
  let evilPort: number;
  let id: string;

  before(async () => {
    built = await buildTempConsole();
    stack = await startStack(built.outDir, false);
    browser = await launchBrowser();
    const letters = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq?target=broken');
    id = (letters.body as { entries: { id: string }[] }).entries[0]?.id ?? '';
    evil = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(attackPage(stack.app.url, id));
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilPort = (evil.address() as AddressInfo).port;
  });
  after(async () => {
    await browser.close();
    await new Promise<void>((resolve) => evil.close(() => resolve()));
    await stack.stop();
    await built.remove();
  });

  it('cannot replay, purge, delete or test through the browser of an operator on loopback', async () => {
    stack.broken.setDefault({ status: 200 });
    const page = await browser.newPage();
    // localhost and 127.0.0.1 are different sites: the page is cross-site to the service.
    await page.goto(`http://localhost:${evilPort}/attack.html`);
    await page.waitForFunction('window.attackDone === true');
    const entry = await call(stack.app.url, 'GET', `/api/v2/publishing/dlq/${id}`);
    assert.equal((entry.body as { replayed: boolean }).replayed, false);
    const stats = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq/stats');
    assert.deepEqual(
      [(stats.body as { total: number }).total, (stats.body as { replayed: number }).replayed],
      [5, 0],
    );
    assert.equal(stack.broken.requests.length, 4, 'the target got only the four original attempts');
    await page.close();
  });

  it('lets the console itself replay from loopback without a token', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const errors = watchErrors(page);
    await page.goto(`${stack.app.url}/ui/dead-letters/${id}`);
    await settled(page);
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Replayed as job/ })
      .first()
      .waitFor();
    await stack.broken.waitForRequests(5);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
