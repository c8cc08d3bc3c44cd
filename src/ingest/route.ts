import type { Alert, Classification } from '../domain/alert.js';
import type { JobRequest } from '../engine/publishing-engine.js';
import type { Matcher } from './matchers.js';
import { matchesAll, parseMatchers } from './matchers.js';

/**
 * Alerts → one job request per (alert, target). Matchers are compiled once, here; config
 * validation has already reported any that do not parse (with their key path).
 */
export interface RoutableTarget {
  name: string;
  enabled: boolean;
  /** Alertmanager-style matchers, all of which must hold; empty = every alert. */
  match: readonly string[];
}

export interface RouteOptions {
  classification?: Classification;
  /** Deliver to these targets only, skipping their `match` (but not `enabled`). */
  targetNames?: readonly string[];
}

export type RouteResult =
  | { ok: true; requests: JobRequest[]; unrouted: Alert[] }
  | { ok: false; code: 'unknown_target' | 'target_disabled'; target: string; message: string };

export interface Router {
  route(alerts: readonly Alert[], options?: RouteOptions): RouteResult;
}

interface CompiledTarget {
  name: string;
  enabled: boolean;
  matchers: Matcher[];
}

export function createRouter(targets: readonly RoutableTarget[]): Router {
  const compiled: CompiledTarget[] = targets.map((target) => ({
    name: target.name,
    enabled: target.enabled,
    matchers: target.match.flatMap((entry) => {
      const parsed = parseMatchers(entry);
      if (!parsed.ok) throw new Error(`target ${target.name}: ${parsed.error}`);
      return parsed.matchers;
    }),
  }));
  const byName = new Map(compiled.map((target) => [target.name, target]));
  const enabled = compiled.filter((target) => target.enabled);

  return {
    route(alerts, options = {}) {
      const { classification, targetNames } = options;
      const requestOf = (alert: Alert, target: string): JobRequest =>
        classification === undefined ? { alert, target } : { alert, classification, target };

      if (targetNames !== undefined) {
        for (const name of targetNames) {
          const target = byName.get(name);
          if (target === undefined) {
            return {
              ok: false,
              code: 'unknown_target',
              target: name,
              message: `target ${name} is not configured`,
            };
          }
          if (!target.enabled) {
            return {
              ok: false,
              code: 'target_disabled',
              target: name,
              message: `target ${name} is disabled`,
            };
          }
        }
        const names = [...new Set(targetNames)];
        const requests = alerts.flatMap((alert) => names.map((name) => requestOf(alert, name)));
        return { ok: true, requests, unrouted: names.length === 0 ? [...alerts] : [] };
      }

      const requests: JobRequest[] = [];
      const unrouted: Alert[] = [];
      for (const alert of alerts) {
        let routed = false;
        for (const target of enabled) {
          if (matchesAll(target.matchers, alert.labels)) {
            requests.push(requestOf(alert, target.name));
            routed = true;
          }
        }
        if (!routed) unrouted.push(alert);
      }
      return { ok: true, requests, unrouted };
    },
  };
}
