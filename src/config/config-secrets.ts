import { secretsOf, urlSecrets } from '../domain/redact.js';
import type { SecretMasks } from '../domain/secret-mask.js';
import { createSecretMasks } from '../domain/secret-mask.js';
import type { Config } from './schema.js';

/**
 * Every secret value the configuration holds: each target's (header credentials, routing
 * keys, tokens, signing secrets, URL userinfo and query values, Slack webhook paths), the API
 * tokens, the database password and URL query values. The database user name is left out:
 * masking `postgres` would blank the word in every log line.
 */
export function secretsOfConfig(config: Config): string[] {
  return [
    ...config.targets.flatMap((target) => secretsOf(target)),
    config.auth.api_token,
    config.auth.read_token,
    config.auth.webhook_token,
    ...(config.storage.database_url === ''
      ? []
      : urlSecrets(config.storage.database_url, { withUser: false })),
  ].filter((secret) => secret !== '');
}

/** The service's one secret mask (docs/security.md), built from the configuration. */
export function secretMasksOf(config: Config): SecretMasks {
  return createSecretMasks(secretsOfConfig(config));
}
