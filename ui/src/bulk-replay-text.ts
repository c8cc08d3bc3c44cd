import { bulkReplayStopText } from '../../src/domain/bulk-replay-stop.js';
import { formatCount, plural } from './format.js';
import type { BulkReplay } from './schemas.js';

/**
 * A bulk replay's dry run as the confirmation says it: how many letters a real run would
 * replay now, and why the others would be skipped. An older server sends no would_replay:
 * then every matched letter is counted.
 */
export function bulkPreviewText(dryRun: BulkReplay): { wouldReplay: number; text: string } {
  const { matched } = dryRun;
  const wouldReplay = dryRun.would_replay ?? matched;
  const skipped =
    (dryRun.skipped_superseded === undefined
      ? ''
      : `, ${formatCount(dryRun.skipped_superseded)} skipped as superseded`) +
    targetSkipsText(dryRun);
  if (wouldReplay > 0) {
    const text = `${plural(wouldReplay, 'letter')} would be replayed${skipped}.${moreText(dryRun, ' after this run')}`;
    return { wouldReplay, text };
  }
  const nothing =
    matched === 0
      ? `Nothing to replay: no waiting letter matches${skipped}.`
      : `Nothing to replay: ${plural(matched, 'letter')} matched${skipped}.`;
  return { wouldReplay, text: nothing + stoppedText(dryRun) + moreText(dryRun) };
}

/** A real bulk replay's outcome, with why it stopped early if it did. */
export function bulkOutcomeText(done: BulkReplay): string {
  const superseded = done.skipped_superseded ?? 0;
  const skipped =
    (superseded === 0 ? '' : `, ${formatCount(superseded)} skipped as superseded`) +
    targetSkipsText(done);
  return (
    `Replayed ${formatCount(done.replayed)} of ${plural(done.matched, 'letter')}${skipped}.` +
    stoppedText(done) +
    moreText(done)
  );
}

/**
 * When the run ended before the last matching letter: with a `next_cursor`, Continue goes on
 * after the last letter examined (running again would walk the same letters from the oldest);
 * without one (an older server, or a run cut in its first chunk: docs/api.md, "Bulk replay"),
 * running again from the oldest is right. `when` places the continuation (the preview's " after
 * this run").
 */
function moreText(result: BulkReplay, when = ''): string {
  if (result.more_may_match !== true) return '';
  if (typeof result.next_cursor === 'string') {
    return ` More letters may match: continue${when} to replay the next ones.`;
  }
  return result.stopped === null || result.stopped === undefined
    ? ' More letters match: run again.'
    : ' The rest were not tried: replay again later.';
}

/**
 * ", 2 skipped: target not configured (pager, old-hook), 1 skipped: target failing (chat)", or
 * '' when none (or an older server).
 */
function targetSkipsText(result: BulkReplay): string {
  const named = (names: string[] | undefined): string =>
    names === undefined || names.length === 0 ? '' : ` (${names.join(', ')})`;
  const gone = result.skipped_target_not_configured ?? 0;
  const failing = result.skipped_target_failing ?? 0;
  const goneText =
    gone === 0
      ? ''
      : `, ${formatCount(gone)} skipped: target not configured${named(result.targets_not_configured)}`;
  const failingText =
    failing === 0
      ? ''
      : `, ${formatCount(failing)} skipped: target failing${named(result.targets_failing)}`;
  return goneText + failingText;
}

/** " Stopped early: the queue is full.", or '' for a run that was not stopped. */
function stoppedText(result: BulkReplay): string {
  const { stopped } = result;
  if (stopped === null || stopped === undefined) return '';
  return ` Stopped early: ${bulkReplayStopText(stopped)}.`;
}
