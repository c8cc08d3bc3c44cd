/** The console's pages and their URLs under /ui/; filters live in the query string. */
export type Route =
  | { page: 'overview' }
  | { page: 'dead-letters'; query: URLSearchParams }
  | { page: 'dead-letter'; id: string }
  | { page: 'alerts'; query: URLSearchParams }
  | { page: 'alert'; fingerprint: string }
  | { page: 'jobs'; query: URLSearchParams }
  | { page: 'job'; id: string }
  | { page: 'not-found'; path: string };

export const BASE = '/ui/';

export function routeOf(url: URL): Route {
  const rest = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : '';
  const [section = '', id, extra] = rest.split('/').map((part) => decodeURIComponent(part));
  const query = url.searchParams;
  if (extra === undefined) {
    if (section === '' && id === undefined) return { page: 'overview' };
    if (section === 'dead-letters') {
      return id === undefined || id === ''
        ? { page: 'dead-letters', query }
        : { page: 'dead-letter', id };
    }
    if (section === 'alerts') {
      return id === undefined || id === ''
        ? { page: 'alerts', query }
        : { page: 'alert', fingerprint: id };
    }
    if (section === 'jobs') {
      return id === undefined || id === '' ? { page: 'jobs', query } : { page: 'job', id };
    }
  }
  return { page: 'not-found', path: url.pathname };
}

/** The nav entry a route belongs to. */
export function sectionOf(route: Route): string {
  switch (route.page) {
    case 'overview':
    case 'not-found':
      return BASE;
    case 'dead-letters':
    case 'dead-letter':
      return `${BASE}dead-letters`;
    case 'alerts':
    case 'alert':
      return `${BASE}alerts`;
    case 'jobs':
    case 'job':
      return `${BASE}jobs`;
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}

export const links = {
  overview: () => BASE,
  deadLetters: (query: Record<string, string | undefined> = {}) =>
    withParams(`${BASE}dead-letters`, query),
  deadLetter: (id: string) => `${BASE}dead-letters/${encodeURIComponent(id)}`,
  alerts: (q?: string, state?: string) => withParams(`${BASE}alerts`, { q, state }),
  alert: (fingerprint: string) => `${BASE}alerts/${encodeURIComponent(fingerprint)}`,
  jobs: (query: Record<string, string | undefined> = {}) => withParams(`${BASE}jobs`, query),
  job: (id: string) => `${BASE}jobs/${encodeURIComponent(id)}`,
};

function withParams(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, value);
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}
