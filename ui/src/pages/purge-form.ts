import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { PURGE_AGE_MAX_LENGTH } from '../../../src/dlq/purge-age.js';

/** What the purge form shows and does; the dead-letters page holds the state. */
export interface PurgeForm {
  age: string;
  /** Why the age was refused, shown from a purge asked with it until the text is right. */
  problem: string | undefined;
  busy: boolean;
  /** Why this caller may not write, if so. */
  refusal: string | undefined;
  onAgeInput(age: string): void;
  /** `field`: the age input, focused when its text is refused. */
  onSubmit(field: HTMLInputElement | null): void;
}

/** The dead-letters page's purge card: an age (checked as the API checks it) and a button. */
export function purgeView(form: PurgeForm): TemplateResult {
  const { problem, refusal } = form;
  return html`<section class="card" aria-labelledby="purge-title">
    <h2 id="purge-title">Purge</h2>
    <form
      class="inline"
      novalidate
      @submit=${(event: SubmitEvent) => {
        event.preventDefault();
        const element = event.currentTarget;
        const field =
          element instanceof HTMLFormElement ? element.elements.namedItem('older_than') : null;
        form.onSubmit(field instanceof HTMLInputElement ? field : null);
      }}
    >
      <label
        >Older than
        <input
          name="older_than"
          required
          maxlength=${PURGE_AGE_MAX_LENGTH}
          size="8"
          spellcheck="false"
          autocomplete="off"
          aria-invalid=${problem === undefined ? 'false' : 'true'}
          aria-describedby="purge-age-help${problem === undefined ? '' : ' purge-age-problem'}"
          .value=${form.age}
          @input=${(event: Event) => {
            if (event.target instanceof HTMLInputElement) form.onAgeInput(event.target.value);
          }}
      /></label>
      <button
        class="danger"
        type="submit"
        ?disabled=${form.busy || refusal !== undefined}
        title=${refusal ?? 'delete old letters, after a confirmation'}
      >
        Purge…
      </button>
    </form>
    ${
      problem === undefined
        ? ''
        : html`<p id="purge-age-problem" class="error" role="alert">
            Not purged: older_than ${problem}.
          </p>`
    }
    <p id="purge-age-help" class="muted small">
      A duration such as 720h, 30d or 1h30m (units y w d h m s ms, largest first), more than 0 and
      at most 100y.
    </p>
  </section>`;
}
