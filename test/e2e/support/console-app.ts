import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import {
  browserSkip,
  buildTempConsole,
  launchBrowser,
  watchErrors,
} from '../../support/browser.js';
import { anAlert } from '../../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../../support/databases.js';
import { eventually } from '../../support/eventually.js';
import type { RunningApp } from '../../support/service-app.js';
import { startApp } from '../../support/service-app.js';
import { call } from '../../support/service-http.js';
import type { TargetServer } from '../../support/target-server.js';
import { startTargetServer } from '../../support/target-server.js';

/*
 * What the console's browser tests (test/e2e/console-*.test.ts) share: the real app with three
 * local targets and five dead letters, and the page helpers. Each test file starts its own stack.
 */
export const API_TOKEN = 'console-api-token-5T0KEN';
export const READ_TOKEN = 'console-read-token-R34D';
export const SECRETS = ['S3CR3T-OPS-HEADER-7781', 'S3CR3T-BROKEN-KEY-4410', 'S3CR3TSLACKPATH9931'];
export const VIEWPORT = { width: 1280, height: 800 };

function yaml(urls: { ok: string; broken: string; chat: string }, auth: boolean): string {
  return `
${auth ? `auth: { api_token: "${API_TOKEN}", read_token: "${READ_TOKEN}" }` : ''}
# max_job_age 1s: the chat target fails throughout, and its job is dead-lettered at once
# instead of waiting for it (docs/how-it-works.md, Retries).
retry: { max_retries: 0, max_job_age: 1s }
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

export interface Stack {
  app: RunningApp;
  /** The app's scratch database, for a test that sets a letter up as no request can. */
  databaseUrl: string;
  ok: TargetServer;
  broken: TargetServer;
  chat: TargetServer;
  stop(): Promise<void>;
}

/** The real app on a scratch database, three local targets, dead letters to triage. */
export async function startStack(consoleDir: string, auth: boolean): Promise<Stack> {
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
    databaseUrl: scratch.url,
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
 * error and fits the page's viewport width (a test may change it). (The console's CSP forbids
 * eval, so no waitForFunction.)
 */
export async function settled(page: Page): Promise<void> {
  await page.locator('main h1').waitFor();
  await page
    .locator('main')
    .getByText(/^Loading/)
    .first()
    .waitFor({ state: 'hidden' });
  const failures = await page.locator('main .error[role="alert"]').allInnerTexts();
  assert.deepEqual(failures, [], `${page.url()} shows an error`);
  const width = await page.evaluate('document.documentElement.scrollWidth');
  const viewport = page.viewportSize()?.width ?? VIEWPORT.width;
  assert.ok(
    typeof width === 'number' && width <= viewport,
    `${page.url()} is ${String(width)} px wide`,
  );
}

export async function heading(page: Page): Promise<string> {
  await settled(page);
  return (await page.locator('main h1').innerText()).trim();
}

/** Clicks a dead letter's Replay button and waits for the page to say which job replays it. */
export async function replayFromPage(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Replay', exact: true }).click();
  await page
    .getByRole('status')
    .filter({ hasText: /Replayed as job/ })
    .first()
    .waitFor();
}

export async function signIn(context: BrowserContext, url: string, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/ui/`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('API token or read token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  return page;
}

/** Why the console's browser tests cannot run here (no Chromium, no PostgreSQL), or false. */
export async function consoleSkip(): Promise<string | false> {
  const skip = browserSkip();
  if (skip !== false) return skip;
  return (await isPostgresReachable()) ? false : 'PostgreSQL unreachable';
}

/** A built console over a stack with tokens, signed in with the API token in Chromium. */
export interface SignedInConsole {
  built: Awaited<ReturnType<typeof buildTempConsole>>;
  stack: Stack;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Script errors of `page` so far. */
  errors: string[];
}

/**
 * Registers the suite's hooks: before, build the console, start the stack and sign in; after,
 * close them. Returns the session, for use inside the suite's tests.
 */
export function signedInConsole(): () => SignedInConsole {
  let session: SignedInConsole | undefined;
  before(async () => {
    const built = await buildTempConsole();
    const stack = await startStack(built.outDir, true);
    const browser = await launchBrowser();
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await signIn(context, stack.app.url, API_TOKEN);
    session = { built, stack, browser, context, page, errors: watchErrors(page) };
  });
  after(async () => {
    await session?.browser.close();
    await session?.stack.stop();
    await session?.built.remove();
  });
  return () => {
    if (session === undefined) throw new Error('console not ready: use it inside a test');
    return session;
  };
}
