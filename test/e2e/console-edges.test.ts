import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { call } from '../support/service-http.js';
import { API_TOKEN, consoleSkip, settled, signedInConsole } from './support/console-app.js';

/** 104 characters without a space, as a tester's alertname was. */
const LONG_NAME = `Long${'X'.repeat(100)}`;

/**
 * Where the console broke for a tester: a fingerprint beyond the recent window, a name that
 * widened the letters table, seconds lost by the time filters, the bulk dialog's focus.
 */
describe('operator console in a real browser: fingerprints, long values, filters, dialogs', async () => {
  const skip = await consoleSkip();
  if (skip !== false) {
    it('runs in Chromium against PostgreSQL', { skip }, () => undefined);
    return;
  }
  const session = signedInConsole();

  it('finds an alert by its whole fingerprint although it is not among the recent alerts, and says when none is recorded', async () => {
    const { stack, page, errors } = session();
    const listed = await call(
      stack.app.url,
      'GET',
      '/api/v2/publishing/alerts?alertname=DiskFull',
      {
        token: API_TOKEN,
      },
    );
    const fingerprint = (listed.body as { alerts: { fingerprint: string }[] }).alerts[0]
      ?.fingerprint;
    assert.ok(fingerprint !== undefined);
    // The recent window (GET /alerts) no longer holds it: more than 1 000 alerts came since.
    await page.route(
      (url) => url.pathname === '/api/v2/publishing/alerts',
      (route) => route.fulfill({ json: { alerts: [], count: 0, limit: 1000 } }),
    );
    try {
      await page.goto(`${stack.app.url}/ui/alerts?q=${fingerprint.toUpperCase()}`);
      await settled(page);
      await page.getByRole('link', { name: 'DiskFull' }).waitFor();

      await page.goto(`${stack.app.url}/ui/alerts?q=ffffffffffffffff`);
      await settled(page);
      await page
        .getByText('No alert with fingerprint ffffffffffffffff is recorded', { exact: false })
        .waitFor();
    } finally {
      await page.unroute((url) => url.pathname === '/api/v2/publishing/alerts');
    }
    assert.deepEqual(errors, []);
  });

  it('keeps the Replay button of a letter with a 104-character alertname in view at 1 400 px', async () => {
    const { stack, page, errors } = session();
    const res = await call(stack.app.url, 'POST', '/api/v2/publishing/queue/submit', {
      json: { alert: anAlert({ team: 'db', alertname: LONG_NAME }) },
      token: API_TOKEN,
    });
    assert.equal(res.status, 202);
    await eventually('the long-named letter', async () => {
      const dlq = await call(stack.app.url, 'GET', '/api/v2/publishing/dlq/stats', {
        token: API_TOKEN,
      });
      return (dlq.body as { total: number }).total === 6;
    });
    await page.setViewportSize({ width: 1400, height: 800 });
    try {
      await page.goto(`${stack.app.url}/ui/dead-letters`);
      await settled(page);
      const replay = page.getByRole('button', { name: `Replay ${LONG_NAME} to broken` });
      const box = await replay.boundingBox();
      assert.ok(box !== null);
      assert.ok(
        box.x >= 0 && box.x + box.width <= 1400,
        `Replay at x ${box.x}..${box.x + box.width}`,
      );
      // A phone: the header and the pages fit; the letters table scrolls inside its card.
      await page.setViewportSize({ width: 375, height: 700 });
      await page.goto(`${stack.app.url}/ui/dead-letters`);
      await settled(page);
      await page.getByRole('link', { name: LONG_NAME }).click();
      await settled(page);
      await page.getByRole('link', { name: /^[0-9a-f]{16}$/ }).click();
      await settled(page);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    assert.deepEqual(errors, []);
  });

  it('keeps the seconds of a time filter from the URL when another filter is applied', async () => {
    const { stack, page, errors } = session();
    await page.goto(
      `${stack.app.url}/ui/dead-letters?failed_before=2026-12-07T17:58:40Z&target=broken`,
    );
    await settled(page);
    await page.getByLabel('Reason').selectOption('client_error');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/reason=client_error/);
    assert.equal(new URL(page.url()).searchParams.get('failed_before'), '2026-12-07T17:58:40Z');
    assert.equal(await page.getByLabel('Failed before (UTC)').inputValue(), '2026-12-07T17:58:40');
    assert.deepEqual(errors, []);
  });

  it('opens the bulk-replay dialog on Cancel and gives the focus back to its button on Escape', async () => {
    const { stack, page, errors } = session();
    await page.goto(`${stack.app.url}/ui/dead-letters`);
    await settled(page);
    await page.getByRole('button', { name: 'Replay matching…' }).click();
    await page.getByRole('dialog', { name: 'Replay dead letters?' }).waitFor();
    assert.equal(await page.locator(':focus').innerText(), 'Cancel');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.locator('button:focus', { hasText: 'Replay matching…' }).waitFor();
    assert.deepEqual(errors, []);
  });

  it('shows the overview panels that loaded when only the DLQ fails, and says the database is down', async () => {
    const { stack, page } = session();
    const dlqStats = (url: URL): boolean => url.pathname === '/api/v2/publishing/dlq/stats';
    const readyz = (url: URL): boolean => url.pathname === '/readyz';
    // What a durable-mode server answers while PostgreSQL is unreachable.
    await page.route(dlqStats, (route) =>
      route.fulfill({
        status: 503,
        json: { error: { code: 'unavailable', message: 'the database is unreachable' } },
      }),
    );
    await page.route(readyz, (route) =>
      route.fulfill({
        status: 503,
        json: { status: 'not_ready', stopping: false, mode: 'durable', database: 'unavailable' },
      }),
    );
    try {
      await page.goto(`${stack.app.url}/ui/`);
      await page.getByRole('cell', { name: 'broken' }).first().waitFor();
      await page.getByRole('heading', { name: 'Lanes' }).waitFor();
      await page
        .getByRole('region', { name: 'Dead letters' })
        .getByText('Cannot load dead letters: the database is unreachable')
        .waitFor();
      await page.getByText('new alerts are refused with 503').waitFor();
    } finally {
      await page.unroute(dlqStats);
      await page.unroute(readyz);
    }
  });
});
