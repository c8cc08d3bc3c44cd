import { readFileSync } from 'node:fs';

/** The package version; package.json sits two levels up from src/cli and from dist/cli. */
export function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const parsed: unknown = JSON.parse(text);
    const version: unknown =
      typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'version') : undefined;
    return typeof version === 'string' ? version : '0.0.0';
  } catch (error: unknown) {
    if (error instanceof Error) return '0.0.0';
    throw error;
  }
}
