import { isIP } from 'node:net';

import { httpOrigin, isUnspecifiedAddress } from '../domain/host-name.js';

/**
 * The URL to open a server bound to `address`: an unspecified address (all interfaces,
 * `0.0.0.0` or `::`) is not one a browser or curl can open, so its loopback stands for it.
 * The address as bound stays what the caller logs as `host`.
 */
export function listenUrl(address: string, port: number): string {
  if (!isUnspecifiedAddress(address)) return httpOrigin(address, port);
  return httpOrigin(isIP(address) === 6 ? '::1' : '127.0.0.1', port);
}
