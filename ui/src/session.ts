/** The token the operator typed, for this tab only (sessionStorage), never shown again. */
const KEY = 'alert-publisher.token';

export interface TokenStore {
  get(): string | undefined;
  set(token: string): void;
  clear(): void;
}

export function createTokenStore(storage: Storage): TokenStore {
  return {
    get: () => storage.getItem(KEY) ?? undefined,
    set: (token) => storage.setItem(KEY, token),
    clear: () => storage.removeItem(KEY),
  };
}
