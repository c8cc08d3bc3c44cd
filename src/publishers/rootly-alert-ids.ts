import type { Db } from '../db/db.js';

/**
 * Fingerprint → Rootly alert id, per target (table rootly_alerts, migrations/0002). Stored in
 * PostgreSQL so a resolve after a restart still finds the alert it must close. Throws when
 * the database fails; the Rootly publisher turns that into a retryable outcome.
 */
export interface RootlyAlertIds {
  get(target: string, fingerprint: string): Promise<string | undefined>;
  set(target: string, fingerprint: string, id: string): Promise<void>;
  delete(target: string, fingerprint: string): Promise<void>;
}

export function createDbRootlyAlertIds(db: Db): RootlyAlertIds {
  return {
    async get(target, fingerprint) {
      const result = await db.query<{ rootly_alert_id: string }>(
        'SELECT rootly_alert_id FROM rootly_alerts WHERE target_name = $1 AND fingerprint = $2',
        [target, fingerprint],
      );
      return result.rows[0]?.rootly_alert_id;
    },
    async set(target, fingerprint, id) {
      await db.query(
        `INSERT INTO rootly_alerts (target_name, fingerprint, rootly_alert_id)
         VALUES ($1, $2, $3)
         ON CONFLICT (target_name, fingerprint)
         DO UPDATE SET rootly_alert_id = EXCLUDED.rootly_alert_id, created_at = now()`,
        [target, fingerprint, id],
      );
    },
    async delete(target, fingerprint) {
      await db.query('DELETE FROM rootly_alerts WHERE target_name = $1 AND fingerprint = $2', [
        target,
        fingerprint,
      ]);
    },
  };
}

/** For tests and memory-only setups: forgets everything at exit. */
export function createMemoryRootlyAlertIds(): RootlyAlertIds {
  const ids = new Map<string, string>();
  const keyOf = (target: string, fingerprint: string): string => `${target}\u0000${fingerprint}`;
  return {
    get: (target, fingerprint) => Promise.resolve(ids.get(keyOf(target, fingerprint))),
    set: (target, fingerprint, id) => {
      ids.set(keyOf(target, fingerprint), id);
      return Promise.resolve();
    },
    delete: (target, fingerprint) => {
      ids.delete(keyOf(target, fingerprint));
      return Promise.resolve();
    },
  };
}
