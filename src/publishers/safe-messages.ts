import type { Publisher, PublishOutcome } from '../domain/publisher.js';
import type { SecretMask } from '../domain/secret-mask.js';
import { storableText } from '../domain/storable-text.js';
import { truncate } from './truncate.js';

/** An outcome message is a line for logs, job errors and DLQ rows: a response snippet and some words. */
export const MESSAGE_CHARS = 400;

/**
 * Every message a target's publisher returns, whatever built it (a response snippet, an id
 * a target answered): configured secrets masked, then cut to MESSAGE_CHARS, then storable.
 * Both engines and the target test see targets through this (registry.ts).
 */
export function withSafeMessages(publisher: Publisher, mask: SecretMask): Publisher {
  return {
    publish: (delivery, signal) =>
      publisher.publish(delivery, signal).then((outcome) => safeOutcome(outcome, mask)),
    close: () => publisher.close(),
  };
}

export function safeOutcome(outcome: PublishOutcome, mask: SecretMask): PublishOutcome {
  if (outcome.message === undefined) return outcome;
  const message = storableText(truncate(mask(outcome.message), MESSAGE_CHARS));
  return message === outcome.message ? outcome : { ...outcome, message };
}
