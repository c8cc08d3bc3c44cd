import { AppError } from '../domain/errors.js';
import { httpOrigin, isUnspecifiedAddress } from '../domain/host-name.js';
import type { Config } from '../config/schema.js';

/** Where the config the operator named says its service listens, and the token it accepts. */
export interface ConfiguredServer {
  url: string;
  /** auth.api_token; undefined when the config sets none. */
  token: string | undefined;
}

/**
 * `http://HOST:PORT` of a loaded config (docs/cli.md): 127.0.0.1 when server.host binds every
 * address, else server.host itself (IPv6 in brackets). Port 0 is chosen at start and written
 * nowhere the CLI can read, so it is a config the CLI cannot use: an `invalid_config` naming
 * server.port.
 */
export function configuredServerOf(config: Config, source: string): ConfiguredServer {
  const { host, port } = config.server;
  if (port === 0) {
    throw new AppError('invalid_config', `cannot find the server from ${source}`, {
      details: [{ path: 'server.port', message: 'is 0 (chosen at start): pass --url' }],
    });
  }
  const token = config.auth.api_token;
  return {
    url: httpOrigin(isUnspecifiedAddress(host) ? '127.0.0.1' : host, port),
    token: token === '' ? undefined : token,
  };
}
