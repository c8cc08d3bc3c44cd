import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

/**
 * Any JSON value as nested definition lists: target configs (already masked by the API),
 * classifications, and answers of APIs whose shape the console does not know yet.
 */
export function jsonView(value: unknown): TemplateResult | string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<span class="muted">none</span>`;
    return html`<ol class="json-list">
      ${value.map((item) => html`<li>${jsonView(item)}</li>`)}
    </ol>`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return html`<span class="muted">empty</span>`;
    return html`<dl class="json">
      ${entries.map(
        ([key, item]) =>
          html`<dt>${key}</dt>
            <dd>${jsonView(item)}</dd>`,
      )}
    </dl>`;
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
}
