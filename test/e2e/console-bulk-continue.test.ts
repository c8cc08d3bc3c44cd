import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import pg from 'pg';

import { MAX_EXAMINED_PER_RUN } from '../../src/dlq/replay-matching.js';
import { consoleSkip, settled, signedInConsole } from './support/console-app.js';

/** The request bodies the page sent to the bulk replay, in order. */
interface ReplayBody {
  dry_run?: boolean;
  limit?: number;
  after?: string;
}

/**
 * Puts `count` letters of a target no longer configured before every other letter in
 * submission order: a bulk replay skips them all, so one run examines only these.
 */
async function skippedLettersFirst(databaseUrl: string, count: number): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `CREATE TEMP TABLE filler AS
         SELECT d.* FROM publishing_dlq d, generate_series(1, $1::int)
         WHERE d.id = (SELECT id FROM publishing_dlq ORDER BY failed_at LIMIT 1)`,
      [count],
    );
    await db.query(
      `UPDATE filler SET id = gen_random_uuid(), job_id = gen_random_uuid(), target_name = 'gone',
         submitted_at = coalesce(submitted_at, failed_at) - interval '1 day'`,
    );
    await db.query('INSERT INTO publishing_dlq SELECT * FROM filler');
  } finally {
    await db.end();
  }
}

describe('console bulk replay behind more skipped letters than one run examines', async () => {
  const skip = await consoleSkip();
  const session = skip === false ? signedInConsole() : () => assert.fail('skipped');

  it(
    'continues after the last letter examined and replays the letters behind',
    { skip },
    async () => {
      const { stack, page, errors } = session();
      await skippedLettersFirst(stack.databaseUrl, MAX_EXAMINED_PER_RUN);
      const bodies: ReplayBody[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().endsWith('/dlq/replay')) {
          bodies.push(request.postDataJSON() as ReplayBody);
        }
      });
      await page.goto(`${stack.app.url}/ui/dead-letters`);
      await settled(page);
      const brokenBefore = stack.broken.requests.length;
      const chatBefore = stack.chat.requests.length;

      await page.getByRole('button', { name: 'Replay matching…' }).click();
      const stopped = page.locator('p.outcome').filter({ hasText: /^Nothing to replay/ });
      await stopped.waitFor();
      assert.match(
        await stopped.innerText(),
        /Stopped early: it examined the most letters one run may\. More letters may match: continue to replay the next ones\./,
      );
      assert.doesNotMatch(await stopped.innerText(), /run again/);
      assert.equal(bodies.length, 1);
      assert.equal(bodies[0]?.after, undefined);

      await page.getByRole('button', { name: 'Replay the next matching letters…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Replay dead letters?' });
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /5 letters would be replayed/);
      await dialog.getByRole('button', { name: 'Replay 5 letters' }).click();
      await page.getByText('Replayed 5 of 5 letters.').first().waitFor();

      const [first, preview, replay] = bodies;
      assert.equal(bodies.length, 3);
      assert.equal(typeof preview?.after, 'string');
      assert.deepEqual(preview, { ...first, after: preview?.after });
      assert.deepEqual(replay, { ...first, dry_run: false, limit: 5, after: preview?.after });
      // The five letters behind: four of broken, one of chat.
      await stack.broken.waitForRequests(brokenBefore + 4);
      await stack.chat.waitForRequests(chatBefore + 1);
      assert.deepEqual(errors, []);
    },
  );
});
