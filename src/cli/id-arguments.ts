import { InvalidArgumentError } from 'commander';

import { isUuid } from '../dlq/dlq-row.js';

/** A dead letter's or a job's id: anything but a UUID is a usage error (exit 2), not a lookup that fails. */
export function uuidArgument(text: string): string {
  if (!isUuid(text)) throw new InvalidArgumentError('must be a UUID');
  return text;
}

const FINGERPRINT = /^[0-9a-f]{16}$/;

/** An alert's fingerprint as the API takes it (docs/api.md): 16 lower-case hex digits. */
export function fingerprintArgument(text: string): string {
  if (!FINGERPRINT.test(text)) throw new InvalidArgumentError('must be 16 lower-case hex digits');
  return text;
}
