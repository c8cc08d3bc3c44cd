import type { Db } from '../db/db.js';
import { equalConditions } from '../db/equal-conditions.js';
import type { AlertStatus } from '../domain/alert.js';
import type { AlertStateRecord } from '../engine/alert-state-store.js';
import type { StateRow } from './alert-states-repository.js';
import { COLUMNS, recordOf } from './alert-states-repository.js';

export interface AlertListFilter {
  alertname?: string;
  target?: string;
  /** An alert whose newest state for some target has this status. */
  status?: AlertStatus;
  /** 1..1000 */
  limit: number;
}

/** One alert of the list: its newest state per target. */
export interface AlertSummary {
  fingerprint: string;
  alertname: string;
  labels: Readonly<Record<string, string>>;
  /** When a state of it was last recorded (epoch ms). */
  updatedAt: number;
  /** By target name. */
  states: AlertStateRecord[];
}

/**
 * The most recently recorded alerts (publishing_alert_states, migrations/0008), newest first:
 * an alert is listed when one of its (target) rows matches every filter, and shown with all
 * its targets. One statement; it groups every matching row, so it costs O(rows of the table),
 * which the DLQ's retention bounds.
 */
export async function listAlerts(db: Db, filter: AlertListFilter): Promise<AlertSummary[]> {
  const params: unknown[] = [];
  const conditions = equalConditions(
    [
      ['alertname', filter.alertname],
      ['target_name', filter.target],
    ],
    params,
  );
  if (filter.status !== undefined) conditions.push(`resolved = ${filter.status === 'resolved'}`);
  params.push(filter.limit);
  const where = conditions.length === 0 ? 'true' : conditions.join(' AND ');
  const result = await db.query<StateRow>(
    `WITH picked AS (
       SELECT fingerprint, max(updated_at) AS latest FROM publishing_alert_states
       WHERE ${where} GROUP BY fingerprint
       ORDER BY latest DESC, fingerprint LIMIT $${params.length})
     SELECT ${COLUMNS} FROM picked JOIN publishing_alert_states USING (fingerprint)
     ORDER BY picked.latest DESC, fingerprint, target_name`,
    params,
  );
  const alerts: AlertSummary[] = [];
  for (const record of result.rows.map(recordOf)) {
    const last = alerts.at(-1);
    if (last?.fingerprint === record.fingerprint) {
      last.states.push(record);
      if (record.at > last.updatedAt) {
        last.updatedAt = record.at;
        last.alertname = record.alertname;
        last.labels = record.labels;
      }
    } else {
      alerts.push({
        fingerprint: record.fingerprint,
        alertname: record.alertname,
        labels: record.labels,
        updatedAt: record.at,
        states: [record],
      });
    }
  }
  return alerts;
}
