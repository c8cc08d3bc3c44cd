import type { Clock, Logger } from '../domain/clock.js';
import type { HttpClient } from './http-client.js';

/** What every publisher is built with (registry.ts passes them on). */
export interface PublisherDeps {
  http: HttpClient;
  clock: Clock;
  logger: Logger;
}
