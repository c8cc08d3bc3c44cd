import type { ProxySettings } from '../domain/proxy-settings.js';
import type { Env } from './interpolate.js';

/**
 * The outbound proxy from the environment (docs/targets.md), read once at start: `http_proxy`,
 * `https_proxy`, `no_proxy` or their upper-case forms, the lower-case one first when both are
 * set (as curl and undici read them). Unset is empty.
 */
export function proxySettingsOf(env: Env): ProxySettings {
  const read = (name: string): string => env[name] ?? env[name.toUpperCase()] ?? '';
  return {
    httpProxy: read('http_proxy'),
    httpsProxy: read('https_proxy'),
    noProxy: read('no_proxy'),
  };
}
