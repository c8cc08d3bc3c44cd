import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks 1.0 signing (https://github.com/standard-webhooks/standard-webhooks,
 * spec/standard-webhooks.md): the key is the base64 after `whsec_`; the signature is
 * `v1,` + base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")), the
 * timestamp integer Unix seconds. The key is decoded once per target.
 */
export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export type Signer = (id: string, nowMs: number, body: string) => SignatureHeaders;

export function createSigner(secret: string): Signer {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return (id, nowMs, body) => {
    const timestamp = String(Math.floor(nowMs / 1000));
    const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
    return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}` };
  };
}
