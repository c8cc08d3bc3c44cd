import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { consoleSkip, heading, settled, signedInConsole } from './support/console-app.js';

/** The console's bundle and first paint, and every page loading in Chromium after sign-in. */
describe('operator console in a real browser: bundle and pages', async () => {
  const skip = await consoleSkip();
  if (skip !== false) {
    it('runs in Chromium against PostgreSQL', { skip }, () => undefined);
    return;
  }
  const session = signedInConsole();

  it('ships under 150 KiB of gzipped script and paints the overview first thing', async (t) => {
    const { built, stack, context } = session();
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
    const { stack, page, errors } = session();
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
});
