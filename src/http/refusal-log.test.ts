import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createFakeClock } from '../../test/support/fake-clock.js';
import type { Logger } from '../domain/clock.js';
import { createRefusalLog } from './refusal-log.js';

interface Line {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function aCapturingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (fields: object, message?: string): void => {
      lines.push({ level, message: message ?? '', fields: { ...fields } });
    };
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

const START = '2026-11-29T12:00:00.000Z';

describe('refused webhook log', () => {
  it('logs the first refusal at warn, then one summary per minute with the count and codes', async () => {
    const clock = createFakeClock();
    const { logger, lines } = aCapturingLogger();
    const refusals = createRefusalLog(logger, () => clock.now(), 60_000);
    refusals.refused('queue_full', 'the medium lane is full; retry later');
    for (let k = 0; k < 11; k += 1) {
      await clock.advance(5_000);
      refusals.refused(k < 8 ? 'queue_full' : 'unavailable', `refusal ${k}`);
    }
    assert.equal(lines.length, 1, 'nothing more within the minute');
    assert.equal(lines[0]?.level, 'warn');
    assert.deepEqual(lines[0]?.fields, {
      code: 'queue_full',
      message: 'the medium lane is full; retry later',
      summary_interval_s: 60,
    });
    await clock.advance(5_000);
    refusals.refused('unavailable', 'the database is unreachable');
    assert.deepEqual(lines.slice(1), [
      {
        level: 'warn',
        message: `refused 12 more webhook requests with 503 since ${START}`,
        fields: {
          refused: 12,
          codes: { queue_full: 8, unavailable: 4 },
          last_message: 'the database is unreachable',
        },
      },
    ]);
  });

  it('writes at most one line a minute while refusals and acceptances alternate', async () => {
    const clock = createFakeClock();
    const { logger, lines } = aCapturingLogger();
    const refusals = createRefusalLog(logger, () => clock.now(), 60_000);
    for (let k = 0; k < 12; k += 1) {
      refusals.refused('queue_full', 'full');
      refusals.accepted();
      await clock.advance(4_000);
    }
    assert.deepEqual(
      lines.map((line) => line.level),
      ['warn'],
    );
  });

  it('says how many were refused when requests are accepted again after the interval, then starts over', async () => {
    const clock = createFakeClock();
    const { logger, lines } = aCapturingLogger();
    const refusals = createRefusalLog(logger, () => clock.now(), 60_000);
    refusals.refused('stopping', 'the service is stopping; retry later');
    refusals.refused('stopping', 'the service is stopping; retry later');
    await clock.advance(59_999);
    refusals.accepted();
    assert.equal(lines.length, 1, 'within the interval: nothing');
    await clock.advance(1);
    refusals.accepted();
    refusals.accepted();
    assert.deepEqual(lines[1], {
      level: 'info',
      message: `webhook requests accepted again; 1 more refused with 503 since ${START}`,
      fields: { refused: 1, codes: { stopping: 1 } },
    });
    refusals.refused('queue_full', 'full');
    assert.deepEqual(
      lines.map((line) => line.level),
      ['warn', 'info', 'warn'],
      'a new episode starts with a first warn line',
    );
  });
});
