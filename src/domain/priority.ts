import type { Alert, Classification } from './alert.js';
import type { Priority } from './job.js';

/**
 * Rules, first match wins (docs/how-it-works.md, Priority). Unlike the upstream, a resolved alert is never high,
 * whatever its classification; severities compare case-insensitively.
 */
export function priorityOf(alert: Alert, classification?: Classification): Priority {
  const labelSeverity = (alert.labels['severity'] ?? '').toLowerCase();
  const firing = alert.status === 'firing';
  if (firing && labelSeverity === 'critical') return 'high';
  if (firing && classification?.severity.toLowerCase() === 'critical') return 'high';
  if (!firing) return 'low';
  if (labelSeverity === 'info') return 'low';
  return 'medium';
}
