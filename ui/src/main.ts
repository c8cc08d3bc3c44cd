import { html, render } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { API, ApiError, createApi, messageOf } from './api.js';
import type { Page, PageContext } from './page.js';
import { createAlertPage } from './pages/alert.js';
import { createAlertsPage } from './pages/alerts.js';
import { createDeadLetterPage } from './pages/dead-letter.js';
import { createDeadLettersPage } from './pages/dead-letters.js';
import { createJobPage } from './pages/job.js';
import { createJobsPage } from './pages/jobs.js';
import { createNotFoundPage } from './pages/not-found.js';
import { createOverviewPage } from './pages/overview.js';
import type { Route } from './router.js';
import { BASE, routeOf, sectionOf } from './router.js';
import type { Access } from './schemas.js';
import { accessSchema } from './schemas.js';
import { createTokenStore } from './session.js';

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`index.html has no #${id}`);
  return found;
}

const main = element('main');
// The static "Loading…" of index.html; lit-html renders after what it finds.
main.replaceChildren();
const sessionBar = element('session');
const toast = element('toast');
const tokens = createTokenStore(window.sessionStorage);
let page: Page | undefined;
let toastTimer: number | undefined;

const api = createApi(
  () => tokens.get(),
  () => {
    if (page === undefined) return;
    tokens.clear();
    signIn('The token was not accepted any more: enter it again.', true);
  },
);

function notify(message: string): void {
  toast.textContent = message;
  toast.classList.add('visible');
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => toast.classList.remove('visible'), 6000);
}

function pageFor(route: Route, context: PageContext): Page {
  switch (route.page) {
    case 'overview':
      return createOverviewPage(context);
    case 'dead-letters':
      return createDeadLettersPage(context, route.query);
    case 'dead-letter':
      return createDeadLetterPage(context, route.id);
    case 'alerts':
      return createAlertsPage(context, route.query);
    case 'alert':
      return createAlertPage(context, route.fingerprint);
    case 'jobs':
      return createJobsPage(context, route.query);
    case 'job':
      return createJobPage(context, route.id);
    case 'not-found':
      return createNotFoundPage(route.path);
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}

function markCurrentSection(route: Route): void {
  const current = sectionOf(route);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (link.getAttribute('href') === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function renderSession(access: Access): void {
  const readOnly = access.can_write
    ? html``
    : html`<span
        class="badge badge-readonly"
        title=${access.write_rule === 'api_token' ? 'this token may only read' : 'changes are accepted from loopback clients only'}
        >read-only</span
      >`;
  const signOut =
    tokens.get() === undefined
      ? html``
      : html`<button
          class="link"
          @click=${() => {
            tokens.clear();
            signIn('Signed out: the token is forgotten in this tab.');
          }}
        >
          Sign out
        </button>`;
  render(html`${readOnly}${signOut}`, sessionBar);
}

function show(access: Access, focus: boolean): void {
  page?.dispose();
  const route = routeOf(new URL(window.location.href));
  let drawing = false;
  const context: PageContext = {
    api,
    access,
    // Batched: a page may change several things, or update while it is being created.
    update: () => {
      if (drawing) return;
      drawing = true;
      queueMicrotask(() => {
        drawing = false;
        draw();
      });
    },
    navigate,
    notify,
    now: () => Date.now(),
  };
  const current = pageFor(route, context);
  page = current;
  markCurrentSection(route);
  draw();
  if (focus) main.querySelector<HTMLElement>('h1')?.focus();

  function navigate(href: string): void {
    window.history.pushState(null, '', href);
    show(access, true);
  }

  function draw(): void {
    if (page !== current) return;
    document.title = `${current.title()} · alert-publisher`;
    render(current.view(), main);
  }
}

function loginView(message: string, failed: boolean): TemplateResult {
  return html`<section class="login">
    <h1 tabindex="-1">Sign in</h1>
    <p class=${failed ? 'error' : ''} role=${failed ? 'alert' : 'status'}>${message}</p>
    <form
      @submit=${(event: SubmitEvent) => {
        event.preventDefault();
        const form = event.currentTarget;
        if (!(form instanceof HTMLFormElement)) return;
        const value = new FormData(form).get('token');
        if (typeof value !== 'string' || value.trim() === '') return;
        tokens.set(value.trim());
        form.reset();
        void start(true);
      }}
    >
      <label for="token">API token or read token</label>
      <input id="token" name="token" type="password" autocomplete="off" required />
      <button class="primary" type="submit">Sign in</button>
      <p class="muted">
        The token is kept in this tab only (sessionStorage) and sent as a Bearer header.
      </p>
    </form>
  </section>`;
}

function signIn(message: string, failed = false): void {
  page?.dispose();
  page = undefined;
  window.onpopstate = null;
  render(html``, sessionBar);
  document.title = 'Sign in · alert-publisher';
  render(loginView(message, failed), main);
  main.querySelector<HTMLElement>('input')?.focus();
}

async function start(focus: boolean): Promise<void> {
  let access: Access;
  try {
    access = await api.get('/access', accessSchema);
  } catch (error: unknown) {
    if (error instanceof ApiError && error.status === 401) {
      const hadToken = tokens.get() !== undefined;
      tokens.clear();
      signIn(
        hadToken
          ? 'The token was not accepted.'
          : 'This service asks for a token (auth.api_token or auth.read_token).',
        hadToken,
      );
      return;
    }
    render(
      html`<h1 tabindex="-1">Cannot reach the service</h1>
        <p class="error" role="alert">${API}/access: ${messageOf(error)}</p>
        <button class="primary" @click=${() => void start(true)}>Try again</button>`,
      main,
    );
    return;
  }
  renderSession(access);
  show(access, focus);
  window.onpopstate = () => show(access, true);
}

/** Same-origin links inside the console change the page without a reload. */
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const target = event.target;
  if (!(target instanceof Element)) return;
  const link = target.closest('a');
  if (link === null || link.target !== '' || link.hasAttribute('download')) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin || !url.pathname.startsWith(BASE)) return;
  if (page === undefined) return;
  event.preventDefault();
  window.history.pushState(null, '', url.pathname + url.search);
  window.dispatchEvent(new PopStateEvent('popstate'));
});

void start(false);
