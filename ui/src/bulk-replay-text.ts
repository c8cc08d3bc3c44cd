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
    const text = `${plural(wouldReplay, 'letter')} would be replayed${skipped}.${moreText(dryRun)}`;
    return { wouldReplay, text };
  }
  const text =
    matched === 0
      ? `Nothing to replay: no waiting letter matches${skipped}.`
      : `Nothing to replay: ${plural(matched, 'letter')} matched${skipped}.`;
  return { wouldReplay, text };
}

/** A real bulk replay's outcome, with why it stopped early if it did. */
export function bulkOutcomeText(done: BulkReplay): string {
  const superseded = done.skipped_superseded ?? 0;
  const skipped =
    (superseded === 0 ? '' : `, ${formatCount(superseded)} skipped as superseded`) +
    targetSkipsText(done);
  return (
    `Replayed ${formatCount(done.replayed)} of ${plural(done.matched, 'letter')}${skipped}.` +
    stoppedText(done.stopped) +
    (done.stopped === null || done.stopped === undefined ? moreText(done) : '')
  );
}

/** " More letters match: run again.", when the run ended before the last matching letter. */
function moreText(result: BulkReplay): string {
  return result.more_may_match === true ? ' More letters match: run again.' : '';
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

/** " Stopped early: the queue is full; …", or '' for a run that tried every letter. */
function stoppedText(stopped: string | null | undefined): string {
  if (stopped === null || stopped === undefined) return '';
  const why = bulkReplayStopText(stopped);
  return ` Stopped early: ${why}; the rest were not tried, replay again later.`;
}
