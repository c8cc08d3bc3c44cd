import { AppError } from '../domain/errors.js';
import { isStorableTimeMs } from '../domain/storable-time.js';
import type { SubmissionCursor } from './dlq-repository.js';
import { isUuid } from './dlq-row.js';

/*
 * A bulk replay's `next_cursor` (docs/api.md, "Bulk replay"): where the run stopped in
 * submission order, so that the next run resumes after the last letter it examined instead of
 * walking again from the oldest. Opaque to clients: base64url of `at|seq|id`, `at` in UTC with
 * microseconds as the repository prints it (dlq-repository.ts, unreplayedPage).
 */

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** submit_seq is a bigint; 18 digits stay inside it. */
const SEQ = /^-?\d{1,18}$/;
const CURSOR_RULE = 'must be the next_cursor of a previous bulk replay, as it was returned';

export function encodeReplayCursor(cursor: SubmissionCursor): string {
  return Buffer.from(`${cursor.at}|${cursor.seq}|${cursor.id}`).toString('base64url');
}

/** `path` names where the text came from: `body.after`, `--after`. */
export function decodeReplayCursor(text: string, path = 'after'): SubmissionCursor {
  const [at = '', seq = '', id = '', ...rest] = Buffer.from(text, 'base64url')
    .toString('utf8')
    .split('|');
  if (
    rest.length > 0 ||
    !AT.test(at) ||
    !isStorableTimeMs(Date.parse(at)) ||
    !SEQ.test(seq) ||
    !isUuid(id)
  ) {
    throw new AppError('invalid_request', `${path}: ${CURSOR_RULE}`, {
      details: [{ path, message: CURSOR_RULE }],
    });
  }
  return { at, seq, id };
}
