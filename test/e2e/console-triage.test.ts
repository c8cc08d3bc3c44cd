import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Page } from 'playwright-core';

import { anAlert } from '../support/builders.js';
import { watchErrors } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { call } from '../support/service-http.js';
import {
  API_TOKEN,
  consoleSkip,
  signedInConsole,
  READ_TOKEN,
  SECRETS,
  VIEWPORT,
  heading,
  settled,
  replayFromPage,
  signIn,
} from './support/console-app.js';

const WRITE_BUTTON = /replay|purge|delete|send test alert/i;

async function enabledButtonNames(page: Page): Promise<string[]> {
  const names: string[] = [];
  for (const button of await page.getByRole('button').all()) {
    if (await button.isEnabled())
      names.push((await button.getAttribute('aria-label')) ?? (await button.innerText()));
  }
  return names;
}

/**
 * Triage in Chromium, in order on one stack: one letter replayed (the timeline shows it, the
 * bulk replay finds the other three), a purge cancelled, a test alert sent; then the pages as a
 * read token sees them, and no secret on any page.
 */
describe('operator console in a real browser: triage, read token, secrets', async () => {
  const skip = await consoleSkip();
  if (skip !== false) {
    it('runs in Chromium against PostgreSQL', { skip }, () => undefined);
    return;
  }
  const session = signedInConsole();

  it('finds a dead letter by filter, opens it, replays it, and the target receives it', async () => {
    const { stack, page, errors } = session();
    await page.goto(`${stack.app.url}/ui/dead-letters`);
    await settled(page);
    await page.getByRole('combobox', { name: /^Target/ }).selectOption('broken');
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
    await replayFromPage(page);
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
    const { stack, page, errors } = session();
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
    const { stack, page, errors } = session();
    await page.goto(`${stack.app.url}/ui/dead-letters?target=broken&replayed=false`);
    await settled(page);
    const before = stack.broken.requests.length;
    await page.getByRole('button', { name: 'Replay matching…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay dead letters?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /3 letters would be replayed/);
    // Cancel has the focus; the keyboard is enough: Tab reaches the confirm button.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Replayed 3 of 3 letters.').first().waitFor();
    const received = await stack.broken.waitForRequests(before + 3);
    const names = received.slice(before).map((request) => /ReplicaLag/.test(request.body));
    assert.deepEqual(names, [true, true, true]);
    assert.deepEqual(errors, []);
  });

  it('asks before a purge, and Escape cancels it', async () => {
    const { stack, page } = session();
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
    const { stack, page } = session();
    await page.goto(`${stack.app.url}/ui/`);
    await settled(page);
    const before = stack.ok.requests.length;
    await page.getByRole('button', { name: 'Send test alert to ops' }).click();
    await page.getByText(/delivered · HTTP 200/).waitFor();
    await stack.ok.waitForRequests(before + 1);
  });

  it("shows a failed test alert as the target's last failure, and a delivered one as its last success, with updates paused", async () => {
    const { stack, page, errors } = session();
    await page.goto(`${stack.app.url}/ui/`);
    await settled(page);
    // Paused: only the test itself may bring the new times in.
    await page.getByRole('button', { name: 'Pause updates' }).click();
    const row = page.locator('tr', { has: page.getByRole('rowheader', { name: 'ops' }) });
    const lastSuccess = row.locator('td').nth(2);
    const lastFailure = row.locator('td').nth(3);
    assert.equal(await lastFailure.innerText(), 'never', 'no queued attempt to ops failed');
    const successBefore = (await lastSuccess.getAttribute('title')) ?? '';

    stack.ok.setDefault({ status: 503, body: 'down for the test' });
    await page.getByRole('button', { name: 'Send test alert to ops' }).click();
    await row.getByText(/failed · HTTP 503/).waitFor();
    await eventually(
      'the last failure shown',
      async () => (await lastFailure.innerText()) !== 'never',
    );
    assert.match((await lastFailure.innerText()).trim(), /^(just now|\d+(\.\d+)? ?s ago)$/);

    stack.ok.setDefault({ status: 200 });
    await page.getByRole('button', { name: 'Send test alert to ops' }).click();
    await row.getByText(/delivered · HTTP 200/).waitFor();
    await eventually('a newer last success shown', async () => {
      const title = (await lastSuccess.getAttribute('title')) ?? '';
      return title !== '' && title > successBefore;
    });
    assert.deepEqual(errors, []);
  });

  it('shows a read token every page with no enabled write button', async () => {
    const { stack, browser } = session();
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
    const { stack, page } = session();
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
