import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { call } from '../support/service-http.js';
import { API_TOKEN, consoleSkip, settled, signedInConsole } from './support/console-app.js';

interface Letter {
  id: string;
  superseded: boolean;
  replayed: boolean;
  enriched_alert: { alert: { status: string } };
}

async function lettersOf(url: string, fingerprint: string): Promise<Letter[]> {
  const res = await call(url, 'GET', `/api/v2/publishing/dlq?fingerprint=${fingerprint}`, {
    token: API_TOKEN,
  });
  return (res.body as { entries: Letter[] }).entries;
}

/**
 * A letter whose alert has a newer state for its target (docs/alert-state.md): its plain Replay
 * is off, and "Replay anyway…" replays it with force=true after a confirmation.
 */
describe('operator console in a real browser: a superseded dead letter', async () => {
  const skip = await consoleSkip();
  if (skip !== false) {
    it('runs in Chromium against PostgreSQL', { skip }, () => undefined);
    return;
  }
  const session = signedInConsole();

  it('replays a superseded letter only through "Replay anyway…" and its confirmation, forced', async () => {
    const { stack, page, errors } = session();
    const firing = anAlert({ team: 'db', alertname: 'DiskFull', instance: 'db-1' });
    // Its resolve fails on broken too: a newer state in the DLQ supersedes the firing's letter.
    const res = await call(stack.app.url, 'POST', '/api/v2/publishing/queue/submit', {
      json: { alert: { ...firing, status: 'resolved', endsAt: '2026-11-29T11:00:00Z' } },
      token: API_TOKEN,
    });
    assert.equal(res.status, 202);
    let stale: Letter | undefined;
    await eventually('the firing letter superseded by its resolve', async () => {
      const letters = await lettersOf(stack.app.url, firing.fingerprint);
      stale = letters.find((l) => l.enriched_alert.alert.status === 'firing' && l.superseded);
      return letters.length === 2 && stale !== undefined;
    });
    const id = stale?.id ?? '';

    await page.goto(`${stack.app.url}/ui/dead-letters/${id}`);
    await settled(page);
    assert.match(
      await page.locator('main p.note').innerText(),
      /^Superseded\. A newer state of this alert was already sent to broken/,
    );
    const replay = page.getByRole('button', { name: 'Replay', exact: true });
    assert.equal(await replay.isDisabled(), true);
    assert.match((await replay.getAttribute('title')) ?? '', /newer state .* older state/);

    stack.broken.setDefault({ status: 200 });
    const before = stack.broken.requests.length;
    await page.getByRole('button', { name: 'Replay anyway…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay a superseded letter?' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    assert.match(text, /A newer state of DiskFull was already sent to broken/);
    assert.match(text, /re-sends this older state \(firing/);
    // A destructive confirmation: Cancel has the focus, the confirm is clicked on purpose.
    assert.equal((await page.locator('dialog :focus').innerText()).trim(), 'Cancel');
    await dialog.getByRole('button', { name: 'Replay anyway' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Replayed as job [0-9a-f-]+, forced/ })
      .first()
      .waitFor();

    const received = await stack.broken.waitForRequests(before + 1);
    const sent = received[before]?.json as { alert?: { status: string; labels: object } };
    assert.equal(sent.alert?.status, 'firing', 'the older state is sent');
    assert.deepEqual(sent.alert?.labels, firing.labels);
    const after = await lettersOf(stack.app.url, firing.fingerprint);
    assert.equal(after.find((l) => l.id === id)?.replayed, true);
    assert.deepEqual(errors, []);
  });
});
