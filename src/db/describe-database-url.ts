/**
 * host:port/database of a postgres:// URL, without user, password or query (a query may
 * carry `password=`); a socket directory given as `?host=/path` is shown as the host.
 */
export function describeDatabaseUrl(url: string): string {
  if (!URL.canParse(url)) return 'an unparsable URL';
  const parsed = new URL(url);
  const host = parsed.hostname !== '' ? parsed.hostname : (parsed.searchParams.get('host') ?? '');
  const port = parsed.port === '' ? '5432' : parsed.port;
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return `${host === '' ? 'localhost' : host}:${port}/${database === '' ? '(default database)' : database}`;
}
