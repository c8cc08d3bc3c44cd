import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';

import pg from 'pg';
import type { Locator, Page, Request, Route } from 'playwright-core';

import { watchErrors } from '../support/browser.js';
import { createScratchDatabase } from '../support/databases.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import {
  API_TOKEN,
  VIEWPORT,
  consoleSkip,
  settled,
  signedInConsole,
} from './support/console-app.js';

interface Letter {
  id: string;
  job_id: string;
  target_name: string;
  enriched_alert: { alert: { labels: Record<string, string> } };
}

async function lettersOf(url: string, query: string): Promise<Letter[]> {
  const res = await call(url, 'GET', `/api/v2/publishing/dlq?${query}`, { token: API_TOKEN });
  return (res.body as { entries: Letter[] }).entries;
}

async function dlqTotal(url: string): Promise<number> {
  const res = await call(url, 'GET', '/api/v2/publishing/dlq/stats', { token: API_TOKEN });
  return (res.body as { total: number }).total;
}

/** The card (section) whose level-2 heading starts with `title`. */
function card(page: Page, title: string): Locator {
  return page.locator('section', {
    has: page.getByRole('heading', { level: 2, name: new RegExp(`^${title}`) }),
  });
}

async function headingOf(section: Locator): Promise<string> {
  return (await section.getByRole('heading', { level: 2 }).innerText()).replace(/\s+/g, ' ');
}

/** GETs of the DLQ list the page sent from now on (their query strings). */
function listQueries(page: Page): URLSearchParams[] {
  const seen: URLSearchParams[] = [];
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (request.method() === 'GET' && url.pathname === '/api/v2/publishing/dlq')
      seen.push(url.searchParams);
  });
  return seen;
}

/**
 * What an on-call tester found missing in the console: whose figures the overview shows, each
 * attempt on the job and dead-letter pages, the possibly_delivered filter, a purge age the API
 * would refuse (0: everything), and a long bulk replay that said nothing while it ran.
 */
describe('operator console in a real browser: scope of figures, attempts, filters, purge, progress', async () => {
  const skip = await consoleSkip();
  if (skip !== false) {
    it('runs in Chromium against PostgreSQL', { skip }, () => undefined);
    return;
  }
  const session = signedInConsole();

  it("labels the overview's figures as this instance's, and the dead letters as every instance's (memory mode)", async () => {
    const { stack, page, errors } = session();
    await page.goto(`${stack.app.url}/ui/`);
    await settled(page);
    await card(page, 'Lanes').getByText('this instance').first().waitFor();
    assert.match(await headingOf(card(page, 'Lanes')), /^Lanes this instance$/);
    assert.match(
      await card(page, 'Lanes').locator('.figures').innerText(),
      /\d+ of \d+ workers busy\s+this instance/,
    );
    assert.match(await card(page, 'Lanes').innerText(), /Memory mode: the lanes, in flight/);
    assert.match(await headingOf(card(page, 'Last')), /^Last 15 minutes this instance$/);
    assert.match(await headingOf(card(page, 'Targets')), /^Targets this instance$/);
    assert.match(
      await card(page, 'Targets').innerText(),
      /Breaker, last success and last failure as this instance sees them/,
    );
    assert.match(await headingOf(card(page, 'Dead letters')), /^Dead letters all instances$/);
    assert.match(
      await page.locator('main').innerText(),
      /the lanes name the instance that answered them/,
    );
    // The instance that answered the queue status, by name (docs/api.md).
    const status = await call(stack.app.url, 'GET', '/api/v2/publishing/queue/status', {
      token: API_TOKEN,
    });
    const { instance } = status.body as { instance: string };
    assert.ok(
      (await card(page, 'Lanes').locator('.figures').innerText()).includes(
        `answered by ${instance}`,
      ),
    );
    assert.deepEqual(errors, []);
  });

  it("labels the lanes of durable mode as every instance's, the workers as this instance's", async () => {
    const { built, browser } = session();
    const scratch = await createScratchDatabase();
    // No token: the API's reads are open; the console asks for none.
    const durable = await startApp({
      yaml: `queue: { mode: durable }
targets:
  - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook" }
`,
      databaseUrl: scratch.url,
      consoleDir: built.outDir,
    });
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(`${durable.url}/ui/`);
      await settled(page);
      await card(page, 'Lanes').getByText('all instances').first().waitFor();
      assert.match(await headingOf(card(page, 'Lanes')), /^Lanes all instances$/);
      assert.match(
        await card(page, 'Lanes').locator('.figures').innerText(),
        /\d+ of \d+ workers busy\s+this instance/,
      );
      assert.match(
        await card(page, 'Lanes').innerText(),
        /Durable mode: the lanes, in flight and waiting to retry count the jobs of every instance/,
      );
      assert.match(await headingOf(card(page, 'Targets')), /^Targets this instance$/);
      assert.match(await headingOf(card(page, 'Dead letters')), /^Dead letters all instances$/);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await durable.stop();
      await scratch.drop();
    }
  });

  it('lists every attempt on the dead-letter page and the job page, as the alert timeline does', async () => {
    const { stack, page, errors } = session();
    const [letter] = await lettersOf(stack.app.url, 'target=broken&limit=1000').then((all) =>
      all.filter((l) => l.enriched_alert.alert.labels['alertname'] === 'DiskFull'),
    );
    assert.ok(letter !== undefined);
    const attempt =
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC HTTP 400 · client error · \d+ ms · bad request$/;

    await page.goto(`${stack.app.url}/ui/dead-letters/${letter.id}`);
    await settled(page);
    const onLetter = await card(page, 'Attempts').getByRole('list').locator('li').allInnerTexts();
    assert.equal(onLetter.length, 1, 'retry.max_retries is 0: one attempt');
    assert.match(onLetter[0]?.trim() ?? '', attempt);

    await page.goto(`${stack.app.url}/ui/jobs/${letter.job_id}`);
    await settled(page);
    const onJob = await card(page, 'Attempts').getByRole('list').locator('li').allInnerTexts();
    assert.deepEqual(onJob, onLetter);

    // The timeline says the same of the same attempt: one rendering.
    await page.getByRole('link', { name: /^[0-9a-f]{16}$/ }).click();
    await settled(page);
    const timeline = await page
      .getByRole('list', { name: `attempts of job ${letter.job_id.slice(0, 8)}` })
      .locator('li')
      .allInnerTexts();
    assert.deepEqual(timeline, onLetter);
    assert.deepEqual(errors, []);
  });

  it('keeps a possibly_delivered filter from the URL, across a reload and other filters, and sets it in the form', async () => {
    const { stack, page, errors } = session();
    // A stop that gave up on an attempt in flight marks its letter so; no request can.
    const [chat] = await lettersOf(stack.app.url, 'target=chat');
    assert.ok(chat !== undefined);
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      await db.query('UPDATE publishing_dlq SET possibly_delivered = true WHERE id = $1', [
        chat.id,
      ]);
    } finally {
      await db.end();
    }
    const queries = listQueries(page);
    const field = page.getByRole('combobox', { name: 'Possibly delivered' });
    const rows = page.locator('table.letters tbody tr');

    await page.goto(`${stack.app.url}/ui/dead-letters?possibly_delivered=true`);
    await settled(page);
    assert.equal(queries.at(-1)?.get('possibly_delivered'), 'true');
    assert.equal(await field.inputValue(), 'true');
    assert.equal(await rows.count(), 1);
    await page.getByRole('link', { name: 'ErrorBudget' }).waitFor();
    assert.match(await page.locator('.list-head').innerText(), /\(possibly delivered\)/);

    await page.reload();
    await settled(page);
    assert.equal(await field.inputValue(), 'true');
    assert.equal(await rows.count(), 1);

    // Another filter applied keeps it.
    await page.getByRole('combobox', { name: /^Target/ }).selectOption('broken');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/target=broken/);
    await settled(page);
    assert.equal(new URL(page.url()).searchParams.get('possibly_delivered'), 'true');
    assert.equal(await page.getByText('No dead letter matches.').count(), 1);

    // Set from the form.
    await field.selectOption('false');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/possibly_delivered=false/);
    await settled(page);
    assert.equal(queries.at(-1)?.get('possibly_delivered'), 'false');
    assert.equal(await rows.count(), 4);
    await page.reload();
    await settled(page);
    assert.equal(await field.inputValue(), 'false');

    // The bulk replay's dry run sends it, as a boolean.
    const dryRun = page.waitForRequest(
      (r) => r.method() === 'POST' && r.url().endsWith('/api/v2/publishing/dlq/replay'),
    );
    await page.getByRole('button', { name: 'Replay matching…' }).click();
    const body = (await dryRun).postDataJSON() as { filters: Record<string, unknown> };
    assert.deepEqual(body.filters, { target: 'broken', possibly_delivered: false });
    const dialog = page.getByRole('dialog', { name: 'Replay dead letters?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /not possibly delivered/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  });

  it('refuses a purge age the API refuses, 0 first, before any confirmation, and takes 1h30m', async () => {
    const { stack, page, errors } = session();
    await page.goto(`${stack.app.url}/ui/dead-letters`);
    await settled(page);
    const deletes: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'DELETE') deletes.push(r.url());
    });
    const field = page.getByRole('textbox', { name: 'Older than' });
    const purge = page.getByRole('button', { name: 'Purge…' });
    const refusal = page.getByRole('alert').filter({ hasText: /Not purged: older_than / });
    const dialog = page.getByRole('dialog', { name: 'Purge dead letters?' });

    for (const [age, why] of [
      ['0s', 'must be more than 0'],
      ['0', 'must be more than 0'],
      ['0h0m', 'must be more than 0'],
      ['1h 30m', 'must be a duration such as 720h or 30d'],
      ['30m1h', 'must be a duration such as 720h or 30d'],
      ['101y', 'must be at most 100y'],
    ] as const) {
      await field.fill(age);
      await purge.click();
      await refusal
        .filter({ hasText: `Not purged: older_than ${why}.` })
        .waitFor({ timeout: 5000 });
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.equal(await dialog.count(), 0, `${age}: no confirmation`);
    }
    // The API says the same of 0.
    const api = await call(stack.app.url, 'DELETE', '/api/v2/publishing/dlq/purge?older_than=0s', {
      token: API_TOKEN,
    });
    assert.equal(api.status, 400);
    assert.match(JSON.stringify(api.body), /query\.older_than: must be more than 0/);

    await field.fill('1h30m');
    await refusal.waitFor({ state: 'detached' });
    assert.equal(await field.getAttribute('aria-invalid'), 'false');
    await purge.click();
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /more than 1h30m ago/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(deletes, []);
    assert.equal(await dlqTotal(stack.app.url), 5);
    assert.deepEqual(errors, []);
  });

  it('says "Replaying N letters…" with the seconds elapsed while a bulk replay runs, and takes no second one', async () => {
    const { stack, page, errors } = session();
    stack.broken.setDefault({ status: 200 });
    const before = stack.broken.requests.length;
    const runs: unknown[] = [];
    // The run is held 3.5 s before it reaches the server: a long one, as 1 000 letters are.
    const slow = async (route: Route): Promise<void> => {
      const body = route.request().postDataJSON() as { dry_run: boolean };
      if (!body.dry_run) {
        runs.push(body);
        await sleep(3500);
      }
      await route.continue();
    };
    await page.route('**/api/v2/publishing/dlq/replay', slow);
    try {
      await page.goto(`${stack.app.url}/ui/dead-letters?target=broken&replayed=false`);
      await settled(page);
      const button = page.getByRole('button', { name: 'Replay matching…' });
      await button.click();
      const dialog = page.getByRole('dialog', { name: 'Replay dead letters?' });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Replay 4 letters' }).click();

      const progress = page.locator('.outcome-running');
      await progress.getByRole('status').filter({ hasText: 'Replaying 4 letters…' }).waitFor();
      assert.match(await progress.innerText(), /Replaying 4 letters…\s+[01] s elapsed/);
      await progress.getByText('2 s elapsed').waitFor({ timeout: 5000 });
      assert.equal(await button.isDisabled(), true);
      for (const row of await page.getByRole('button', { name: /^Replay .* to broken/ }).all())
        assert.equal(await row.isDisabled(), true);
      // A click on the disabled button sends nothing.
      await button.click({ force: true });

      await page
        .getByRole('status')
        .filter({ hasText: /^Replayed 4 of 4 letters\.$/ })
        .first()
        .waitFor();
      await progress.waitFor({ state: 'detached' });
      assert.equal(runs.length, 1, 'one bulk replay sent');
    } finally {
      await page.unroute('**/api/v2/publishing/dlq/replay', slow);
    }
    await stack.broken.waitForRequests(before + 4);
    assert.deepEqual(errors, []);
  });
});
