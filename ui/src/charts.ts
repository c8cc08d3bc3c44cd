import { html, svg } from 'lit-html';
import type { SVGTemplateResult, TemplateResult } from 'lit-html';

import type { History, HistoryBucket } from './schemas.js';

const WIDTH = 600;
const HEIGHT = 120;
const PAD_LEFT = 36;
const PAD_BOTTOM = 18;

/** A colour per failure reason, from a palette that stays apart for the common ones. */
const REASON_COLOURS: Record<string, string> = {
  server_error: '#d1495b',
  timeout: '#edae49',
  network: '#8d5a97',
  rate_limited: '#00798c',
  circuit_open: '#30638e',
  auth_error: '#a23b72',
  client_error: '#f18f01',
  invalid_payload: '#6a994e',
  overflow: '#3b8ea5',
  shutdown: '#7f7f7f',
  internal: '#2e2e2e',
};

export function reasonColour(reason: string): string {
  return REASON_COLOURS[reason] ?? '#555555';
}

/** The window's slots, oldest first; slots before the service started are undefined. */
function slots(history: History): Array<HistoryBucket | undefined> {
  const count = Math.max(1, Math.round(history.window_seconds / history.interval_seconds));
  const buckets = history.buckets.slice(-count);
  return [...Array<undefined>(count - buckets.length).fill(undefined), ...buckets];
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

function axes(max: number, unit: string, minutes: number): SVGTemplateResult {
  const plotHeight = HEIGHT - PAD_BOTTOM;
  return svg`
    <line class="axis" x1=${PAD_LEFT} y1=${plotHeight} x2=${WIDTH} y2=${plotHeight}></line>
    <line class="grid" x1=${PAD_LEFT} y1="4" x2=${WIDTH} y2="4"></line>
    <text class="tick" x=${PAD_LEFT - 4} y="8" text-anchor="end">${formatTick(max)}${unit}</text>
    <text class="tick" x=${PAD_LEFT - 4} y=${plotHeight} text-anchor="end">0</text>
    <text class="tick" x=${PAD_LEFT} y=${HEIGHT - 4}>−${minutes} min</text>
    <text class="tick" x=${WIDTH} y=${HEIGHT - 4} text-anchor="end">now</text>`;
}

function formatTick(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 100) / 100);
}

/** Deliveries per second as an area over the window. */
export function deliveriesChart(history: History): TemplateResult {
  const window = slots(history);
  const rates = window.map((bucket) =>
    bucket === undefined ? 0 : bucket.deliveries / history.interval_seconds,
  );
  const max = niceMax(Math.max(...rates));
  const plotHeight = HEIGHT - PAD_BOTTOM - 4;
  const step = (WIDTH - PAD_LEFT) / Math.max(1, rates.length - 1);
  const points = rates.map(
    (rate, i) => `${PAD_LEFT + i * step},${4 + plotHeight - (rate / max) * plotHeight}`,
  );
  const area = `M${PAD_LEFT},${HEIGHT - PAD_BOTTOM} L${points.join(' L')} L${WIDTH},${HEIGHT - PAD_BOTTOM} Z`;
  const total = window.reduce((sum, bucket) => sum + (bucket?.deliveries ?? 0), 0);
  const latest = rates.at(-1) ?? 0;
  const peak = Math.max(...rates);
  const label = `Deliveries per second over the last ${history.window_seconds / 60} minutes: ${total} in all, peak ${formatTick(peak)} per second, latest ${formatTick(latest)} per second.`;
  return html`<figure class="chart">
    <figcaption>
      Deliveries per second
      <span class="muted">(${total} in ${history.window_seconds / 60} min)</span>
    </figcaption>
    <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label=${label}>
      ${axes(max, '/s', history.window_seconds / 60)}
      <path class="area" d=${area}></path>
      <polyline class="line" points=${points.join(' ')}></polyline>
    </svg>
  </figure>`;
}

/** Failed attempts per interval, stacked by reason, with a legend. */
export function failuresChart(history: History): TemplateResult {
  const window = slots(history);
  const totals = new Map<string, number>();
  for (const bucket of window) {
    for (const [reason, n] of Object.entries(bucket?.failures ?? {})) {
      totals.set(reason, (totals.get(reason) ?? 0) + n);
    }
  }
  const reasons = [...totals.keys()].sort((a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0));
  const perBucket = window.map((bucket) =>
    Object.values(bucket?.failures ?? {}).reduce((a, b) => a + b, 0),
  );
  const max = niceMax(Math.max(...perBucket));
  const plotHeight = HEIGHT - PAD_BOTTOM - 4;
  const slotWidth = (WIDTH - PAD_LEFT) / window.length;
  const bars = window.flatMap((bucket, i) => {
    let y = HEIGHT - PAD_BOTTOM;
    return reasons.map((reason) => {
      const n = bucket?.failures[reason] ?? 0;
      if (n === 0) return svg``;
      const h = (n / max) * plotHeight;
      y -= h;
      return svg`<rect x=${PAD_LEFT + i * slotWidth + 0.5} y=${y} width=${Math.max(1, slotWidth - 1)} height=${h} fill=${reasonColour(reason)}><title>${reason}: ${n}</title></rect>`;
    });
  });
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  const summary =
    reasons.length === 0 ? 'none' : reasons.map((r) => `${r} ${totals.get(r) ?? 0}`).join(', ');
  const label = `Failed attempts per ${history.interval_seconds} seconds over the last ${history.window_seconds / 60} minutes, by reason: ${summary}.`;
  return html`<figure class="chart">
    <figcaption>
      Failed attempts by reason
      <span class="muted">(${all} in ${history.window_seconds / 60} min)</span>
    </figcaption>
    <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label=${label}>
      ${axes(max, '', history.window_seconds / 60)} ${bars}
    </svg>
    <ul class="legend" aria-hidden="true">
      ${
        reasons.length === 0
          ? html`<li class="muted">no failures</li>`
          : reasons.map(
              (reason) =>
                html`<li>
                  <svg class="swatch" viewBox="0 0 10 10">
                    <rect width="10" height="10" fill=${reasonColour(reason)}></rect></svg
                  >${reason} ${totals.get(reason)}
                </li>`,
            )
      }
    </ul>
  </figure>`;
}
