import { AppError } from '../domain/errors.js';
import { isStorableTimeMs } from '../domain/storable-time.js';
import { isUuid } from './dlq-row.js';
import type { SubmissionCursor, SubmissionRange } from './unreplayed-page.js';

/*
 * A bulk replay's `next_cursor` (docs/api.md, "Bulk replay"): where the run stopped in
 * submission order, so that the next run resumes after the last letter it examined instead of
 * walking again from the oldest, and the bound of the first run of the series (the newest
 * letter when it began), so that the runs that go on from it leave the letters dead-lettered
 * since, their own failed replays among them. Opaque to clients: base64url of
 * `at|seq|id|at|seq|id` (where, then the bound), `at` in UTC with microseconds as the repository
 * prints it (unreplayed-page.ts). A cursor of three fields (before the bound was carried) is
 * still taken: the run takes its own bound.
 */

/** Where a series of bulk replays goes on: after `after`, up to `upTo` when it is known. */
export type ReplayCursor = SubmissionRange & { after: SubmissionCursor };

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** submit_seq is a bigint; 18 digits stay inside it. */
const SEQ = /^-?\d{1,18}$/;
const CURSOR_RULE = 'must be the next_cursor of a previous bulk replay, as it was returned';

export function encodeReplayCursor(cursor: ReplayCursor): string {
  const fields = [cursor.after, ...(cursor.upTo === undefined ? [] : [cursor.upTo])];
  return Buffer.from(fields.map(({ at, seq, id }) => `${at}|${seq}|${id}`).join('|')).toString(
    'base64url',
  );
}

/** `path` names where the text came from: `body.after`, `--after`. */
export function decodeReplayCursor(text: string, path = 'after'): ReplayCursor {
  const fields = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const after = positionOf(fields.slice(0, 3));
  const upTo = fields.length === 6 ? positionOf(fields.slice(3)) : undefined;
  if (after === undefined || (fields.length !== 3 && upTo === undefined)) {
    throw new AppError('invalid_request', `${path}: ${CURSOR_RULE}`, {
      details: [{ path, message: CURSOR_RULE }],
    });
  }
  return upTo === undefined ? { after } : { after, upTo };
}

function positionOf([at = '', seq = '', id = '', ...rest]: string[]): SubmissionCursor | undefined {
  const isValid =
    rest.length === 0 &&
    AT.test(at) &&
    isStorableTimeMs(Date.parse(at)) &&
    SEQ.test(seq) &&
    isUuid(id);
  return isValid ? { at, seq, id } : undefined;
}
