import { html, render } from 'lit-html';
import type { TemplateResult } from 'lit-html';

export interface ConfirmOptions {
  title: string;
  body: TemplateResult | string;
  confirmLabel: string;
  /** Destructive: the confirm button is red. */
  danger?: boolean;
  /**
   * Where the focus returns on close; by default what had it when the dialog opened. A button
   * disabled while its action prepared the dialog has lost the focus by then: pass it here.
   */
  opener?: Element | null;
}

/**
 * A modal <dialog> (focus kept inside, Escape cancels); resolves true when confirmed. Cancel
 * has the focus, so Enter twice does nothing it did not mean to; on close the focus returns to
 * the opener.
 */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  const opener = options.opener ?? document.activeElement;
  const dialog = document.createElement('dialog');
  dialog.setAttribute('aria-labelledby', 'confirm-title');
  render(
    html`<form method="dialog">
      <h2 id="confirm-title">${options.title}</h2>
      <div class="dialog-body">${options.body}</div>
      <div class="actions">
        <button value="cancel" autofocus>Cancel</button>
        <button value="confirm" class=${options.danger === true ? 'danger' : 'primary'}>
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
        dialog.remove();
        if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
        resolve(dialog.returnValue === 'confirm');
      },
      { once: true },
    );
  });
}
