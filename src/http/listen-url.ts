/**
 * The URL to open a server bound to `address`: an unspecified address (all interfaces,
 * `0.0.0.0` or `::`) is not one a browser or curl can open, so its loopback stands for it.
 * The address as bound stays what the caller logs as `host`.
 */
export function listenUrl(address: string, port: number): string {
  const reachable = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  const host = reachable.includes(':') ? `[${reachable}]` : reachable;
  return `http://${host}:${port}`;
}
