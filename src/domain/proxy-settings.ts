/**
 * Where outbound requests go through a proxy, as HTTP_PROXY / HTTPS_PROXY / NO_PROXY say
 * (read at the process edge, config/proxy-env.ts). Empty = not set: HTTPS requests fall back
 * to `httpProxy`; `noProxy` lists hosts (`host`, `.domain`, `host:port`, `*`) reached directly.
 */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}
