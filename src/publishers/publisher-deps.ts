import type { Clock, Logger } from '../domain/clock.js';
import type { SecretMask } from '../domain/secret-mask.js';
import type { HttpClient } from './http-client.js';

/** What every publisher is built with (registry.ts passes them on). */
export interface PublisherDeps {
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  /** Hides every configured secret (all targets', the API tokens') in response text. */
  mask: SecretMask;
}
