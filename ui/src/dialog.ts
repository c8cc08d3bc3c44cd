import { html, render } from 'lit-html';
import type { TemplateResult } from 'lit-html';

export interface ConfirmOptions {
  title: string;
  body: TemplateResult | string;
  confirmLabel: string;
  /** Destructive: the confirm button is red and Cancel has the focus. */
  danger?: boolean;
}

/**
 * A modal <dialog> (focus kept inside, Escape cancels); resolves true when confirmed.
 */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  const dialog = document.createElement('dialog');
  dialog.setAttribute('aria-labelledby', 'confirm-title');
  render(
    html`<form method="dialog">
      <h2 id="confirm-title">${options.title}</h2>
      <div class="dialog-body">${options.body}</div>
      <div class="actions">
        <button value="cancel" ?autofocus=${options.danger === true}>Cancel</button>
        <button
          value="confirm"
          class=${options.danger === true ? 'danger' : 'primary'}
          ?autofocus=${options.danger !== true}
        >
          ${options.confirmLabel}
        </button>
      </div>
    </form>`,
    dialog,
  );
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        resolve(dialog.returnValue === 'confirm');
        dialog.remove();
      },
      { once: true },
    );
  });
}
