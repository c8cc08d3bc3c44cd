import { isIP } from 'node:net';

/** Dot-separated labels of letters, digits, `-` and `_` (no label starts or ends with `-`). */
const DNS_NAME = /^(?!-)[a-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9_-]{1,63}(?<!-))*$/;

export const HOST_NAME_RULE =
  'a host name or IP address without scheme, port or wildcard (e.g. alert-publisher.internal, 10.0.0.5, [fd00::5])';

/**
 * A host name or address in the one form the Host check compares (http/server-host.ts): lower
 * case, without a trailing dot (`example.com.` is `example.com`), an IPv6 address without its
 * brackets. Undefined when `text` is neither a DNS name nor an IP address: a port, a scheme,
 * userinfo or `*` make it undefined, so nothing after them can be mistaken for the name.
 */
export function hostNameOf(text: string): string | undefined {
  const lower = text.toLowerCase();
  const bracketed = /^\[(.+)\]$/.exec(lower)?.[1];
  if (bracketed !== undefined) return isIP(bracketed) === 6 ? bracketed : undefined;
  if (isIP(lower) !== 0) return lower;
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  return name.length <= 253 && DNS_NAME.test(name) ? name : undefined;
}

/**
 * True for a name only this machine can answer to: `localhost` and its subdomains (RFC 6761:
 * browsers resolve them to loopback themselves and public DNS cannot delegate them), an
 * address in 127.0.0.0/8, `::1`, and the unspecified `0.0.0.0` and `::`, which reach this
 * machine too (the "listening" line shows `0.0.0.0`). Addresses need no DNS, so no page can
 * re-point them. `name` is in hostNameOf's form.
 */
export function isLocalHostName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1' || name === '::' || name === '0.0.0.0') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

/** An address that binds every interface: `0.0.0.0`, or `::` in any of its spellings. */
export function isUnspecifiedAddress(address: string): boolean {
  if (address === '0.0.0.0') return true;
  return isIP(address) === 6 && new URL(`http://[${address}]/`).hostname === '[::]';
}

/** `http://HOST:PORT`, an IPv6 address in brackets. */
export function httpOrigin(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
