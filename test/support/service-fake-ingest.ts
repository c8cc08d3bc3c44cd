import type { RejectedAlert } from '../../src/ingest/alertmanager-payload.js';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprintOf } from '../../src/domain/fingerprint.js';
import type { Ingest, TargetView } from '../../src/http/ports.js';
import type { JobRequest } from '../../src/engine/publishing-engine.js';
import { anAlert } from './builders.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toAlert(raw: unknown, at: string): Alert | RejectedAlert['reason'] {
  if (!isRecord(raw) || !isRecord(raw['labels'])) return `${at}.labels: required`;
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw['labels'])) {
    if (typeof value !== 'string') return `${at}.labels.${key}: expected a string`;
    labels[key] = value;
  }
  if (labels['alertname'] === undefined) return `${at}.labels.alertname: required`;
  return anAlert(labels, { fingerprint: fingerprintOf(labels) });
}

/** Enough of ingest to exercise the routes: alertname required, every enabled target matches. */
export function createSimpleIngest(targets: readonly TargetView[]): Ingest {
  return {
    parseWebhook(body) {
      if (!isRecord(body) || !Array.isArray(body['alerts'])) {
        return { ok: false, details: [{ path: 'alerts', message: 'required' }] };
      }
      const alerts: Alert[] = [];
      const rejected: RejectedAlert[] = [];
      body['alerts'].forEach((raw: unknown, index: number) => {
        const alert = toAlert(raw, `alerts[${index}]`);
        if (typeof alert === 'string') rejected.push({ index, reason: alert });
        else alerts.push(alert);
      });
      if (alerts.length === 0) {
        return {
          ok: false,
          details: rejected.map((r) => ({ path: `alerts[${r.index}]`, message: r.reason })),
        };
      }
      const truncated = body['truncatedAlerts'];
      return {
        ok: true,
        alerts,
        rejected,
        truncated: typeof truncated === 'number' ? truncated : 0,
      };
    },
    parseSubmit(body) {
      if (!isRecord(body))
        return { ok: false, details: [{ path: '', message: 'expected a JSON object' }] };
      const alert = toAlert(body['alert'], 'alert');
      if (typeof alert === 'string')
        return { ok: false, details: [{ path: 'alert', message: alert }] };
      const named = body['targets'];
      return Array.isArray(named)
        ? {
            ok: true,
            request: { alert, targets: named.filter((n): n is string => typeof n === 'string') },
          }
        : { ok: true, request: { alert } };
    },
    route(alerts, options = {}) {
      const names = options.targetNames;
      if (names !== undefined) {
        for (const name of names) {
          const target = targets.find((t) => t.name === name);
          if (target === undefined)
            return {
              ok: false,
              code: 'unknown_target',
              target: name,
              message: `target ${name} is not configured`,
            };
          if (!target.enabled)
            return {
              ok: false,
              code: 'target_disabled',
              target: name,
              message: `target ${name} is disabled`,
            };
        }
      }
      const chosen = names ?? targets.filter((t) => t.enabled).map((t) => t.name);
      const requests: JobRequest[] = [];
      const unrouted: Alert[] = [];
      for (const alert of alerts) {
        const mine = alert.labels['route'] === 'none' && names === undefined ? [] : chosen;
        if (mine.length === 0) unrouted.push(alert);
        for (const target of mine) {
          requests.push(
            options.classification === undefined
              ? { alert, target }
              : { alert, classification: options.classification, target },
          );
        }
      }
      return { ok: true, requests, unrouted };
    },
  };
}
