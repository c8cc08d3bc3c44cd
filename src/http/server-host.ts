import { hostNameOf, isLocalHostName } from '../domain/host-name.js';

/** `name`, `name:port`, `[v6]` or `[v6]:port`; anything else (userinfo, a bare IPv6) fails. */
const HOST_HEADER = /^(\[[^\]]*\]|[^:[\]]*)(?::\d{1,5})?$/;

/** The name a Host header carries, in hostNameOf's form; undefined when it is malformed. */
export function hostHeaderName(host: string): string | undefined {
  const name = HOST_HEADER.exec(host)?.[1];
  return name === undefined ? undefined : hostNameOf(name);
}

/**
 * True when a Host header names this server: a local name or address, or one of
 * `allowedHosts` (server.allowed_hosts, already in hostNameOf's form). The port is not compared:
 * a rebinding page uses the server's own port, so it would tell nothing. A missing Host (HTTP/1.0)
 * names nothing; every browser sends one.
 */
export function namesThisServer(
  host: string | undefined,
  allowedHosts: readonly string[],
): boolean {
  const name = host === undefined ? undefined : hostHeaderName(host);
  if (name === undefined) return false;
  return isLocalHostName(name) || allowedHosts.includes(name);
}

export function foreignHostMessage(host: string | undefined): string {
  const named =
    host === undefined ? 'a request without a Host header' : `Host ${JSON.stringify(host)}`;
  return (
    `${named} does not name this server: without a token, loopback clients must address it as ` +
    'localhost, 127.0.0.1 or [::1], or by a name listed in server.allowed_hosts ' +
    '(or send a Bearer token: auth.api_token, auth.read_token)'
  );
}
