/**
 * Why a bulk replay stopped before trying every matched letter (the API's `stopped`), or, for
 * `examined_limit`, before reaching the end of the matching letters.
 */
export const BULK_REPLAY_STOPS = [
  'queue_full',
  'stopping',
  'database_unavailable',
  'examined_limit',
] as const;
export type BulkReplayStop = (typeof BULK_REPLAY_STOPS)[number];

const STOP_TEXT: Record<BulkReplayStop, string> = {
  queue_full: 'the queue is full',
  stopping: 'the server is stopping',
  database_unavailable: 'the database became unavailable',
  examined_limit: 'it examined the most letters one run may',
};

/** A `stopped` value in words, as the CLI and the console say it; an unknown one as given. */
export function bulkReplayStopText(stop: string): string {
  const known = BULK_REPLAY_STOPS.find((s) => s === stop);
  return known === undefined ? stop : STOP_TEXT[known];
}
