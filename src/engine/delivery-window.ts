/**
 * Stop's delivery window (docs/how-it-works.md "Stopping"), one rule for both modes:
 * once admissions stop, an engine keeps delivering what is due before `deadline` (the stop
 * plus shutdown_timeout). It is done early once nothing is in flight or could start now and
 * nothing falls due before the deadline: a retry, probe or rate token due at or after it is
 * left to the next start (or another instance) rather than sitting out the rest of the window.
 */
export function isDrained(
  work: {
    /** An attempt is in flight, or a job could start now (or is still being settled). */
    busy: boolean;
    /** The earliest time something may become startable, undefined when nothing will. */
    nextDueAt: number | undefined;
  },
  deadline: number,
): boolean {
  return !work.busy && (work.nextDueAt === undefined || work.nextDueAt >= deadline);
}
