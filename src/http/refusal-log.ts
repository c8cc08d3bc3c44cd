import type { Logger } from '../domain/clock.js';
import type { AppErrorCode } from '../domain/errors.js';

/** The error codes of a 503 (errors.ts): a lane full, the server stopping, the database down. */
export type RefusalCode = Extract<AppErrorCode, 'queue_full' | 'stopping' | 'unavailable'>;

/** At most one line about refused webhook requests per this interval. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * What the log says about `POST /webhook` answered 503 (docs/operations.md, "Refused
 * webhooks"). Alertmanager retries a refused request every few seconds, so a line per refusal
 * floods the log during an incident. Instead: the first refusal is a warn line with its code and
 * message; later ones are counted, and the first refusal at least `intervalMs` after the last
 * line is a warn line saying how many more were refused since then and why (counts per code).
 * The first request accepted at least `intervalMs` after the last line says how many were
 * refused since then (info) and ends the episode: the next refusal is a first one again. So
 * the log holds at most one of these lines per interval, however refusals and acceptances
 * alternate. Cost: O(1) per request, no timer.
 */
export interface RefusalLog {
  refused(code: RefusalCode, message: string): void;
  accepted(): void;
}

export function createRefusalLog(
  logger: Logger,
  now: () => number,
  intervalMs: number = REFUSAL_LOG_INTERVAL_MS,
): RefusalLog {
  /** Since the episode's first refusal: when the last line was written, what came since. */
  let episode: { loggedAt: number; refused: number; codes: Map<RefusalCode, number> } | undefined;
  const since = (ms: number): string => new Date(ms).toISOString();

  return {
    refused(code, message) {
      const at = now();
      if (episode === undefined) {
        episode = { loggedAt: at, refused: 0, codes: new Map() };
        logger.warn(
          { code, message, summary_interval_s: intervalMs / 1000 },
          'webhook request refused with 503 (Alertmanager retries it); further refusals are summarised',
        );
        return;
      }
      episode.refused += 1;
      episode.codes.set(code, (episode.codes.get(code) ?? 0) + 1);
      if (at - episode.loggedAt < intervalMs) return;
      logger.warn(
        {
          refused: episode.refused,
          codes: Object.fromEntries(episode.codes),
          last_message: message,
        },
        `refused ${episode.refused} more webhook requests with 503 since ${since(episode.loggedAt)}`,
      );
      episode = { loggedAt: at, refused: 0, codes: new Map() };
    },
    accepted() {
      if (episode === undefined) return;
      const at = now();
      if (at - episode.loggedAt < intervalMs) return;
      if (episode.refused > 0) {
        logger.info(
          { refused: episode.refused, codes: Object.fromEntries(episode.codes) },
          `webhook requests accepted again; ${episode.refused} more refused with 503 since ${since(episode.loggedAt)}`,
        );
      }
      episode = undefined;
    },
  };
}
