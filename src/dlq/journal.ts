import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';

import type { DeadLetter, DeadLetterFallback } from '../domain/dead-letter.js';
import type { SecretMask } from '../domain/secret-mask.js';

/**
 * The engine's last resort when the DLQ cannot be written at stop: an append-only JSON-lines
 * file in storage.data_dir, fsynced before `save` resolves. It belongs to one database: its
 * name carries the database's id (migration 0009) and its first line names the database, so
 * an instance on another database started in the same folder leaves it alone
 * (import-journal.ts). Error messages are masked before they reach the disk.
 */
export interface Journal extends DeadLetterFallback {
  readonly dataDir: string;
  readonly databaseId: string;
  /** Where the database is, without credentials (`db.example:5432/alerts`, `pglite:./data/pglite`). */
  readonly databaseName: string;
  readonly path: string;
  /** The file an interrupted import left behind; imported first. */
  readonly importingPath: string;
  /** Lines that could not be imported are kept here, with the reason logged. */
  readonly rejectedPath: string;
  readonly mask: SecretMask;
}

export interface JournalOptions {
  databaseId: string;
  databaseName: string;
  mask: SecretMask;
}

/** `dlq-journal.<database id>.jsonl` (before migration 0009: `dlq-journal.jsonl`), or `.importing`. */
export const JOURNAL_FILE = /^dlq-journal(?:\.([0-9a-f-]{36}))?\.jsonl(?:\.importing)?$/;
export const LEGACY_JOURNAL_FILE = 'dlq-journal.jsonl';

export function journalFileOf(databaseId: string): string {
  return `dlq-journal.${databaseId}.jsonl`;
}

/** The first line of a journal file. */
export interface JournalHeader {
  journal: 'alert-publisher dead letters';
  database_id: string;
  database: string;
}

export function createJournal(dataDir: string, options: JournalOptions): Journal {
  const path = join(dataDir, journalFileOf(options.databaseId));
  const header: JournalHeader = {
    journal: 'alert-publisher dead letters',
    database_id: options.databaseId,
    database: options.databaseName,
  };
  let tail: Promise<void> = Promise.resolve();

  async function append(letters: readonly DeadLetter[]): Promise<void> {
    await mkdir(dataDir, { recursive: true });
    const file = await open(path, 'a');
    try {
      const lines = letters.map(
        (letter) => `${JSON.stringify(maskLetter(letter, options.mask))}\n`,
      );
      if ((await file.stat()).size === 0) lines.unshift(`${JSON.stringify(header)}\n`);
      await file.writeFile(lines.join(''));
      await file.sync();
    } finally {
      await file.close();
    }
  }

  return {
    dataDir,
    databaseId: options.databaseId,
    databaseName: options.databaseName,
    path,
    importingPath: `${path}.importing`,
    rejectedPath: `${path}.rejected`,
    mask: options.mask,
    save(letters) {
      if (letters.length === 0) return Promise.resolve();
      // Saves are serialised so lines of two batches never interleave.
      const next = tail.then(() => append(letters));
      // The caller gets a failure through `next`; the chain itself must go on.
      tail = next.then(
        () => undefined,
        () => undefined,
      );
      return next;
    },
  };
}

/** The letter with its error and attempt messages masked (its target config is already redacted). */
export function maskLetter(letter: DeadLetter, mask: SecretMask): DeadLetter {
  return {
    ...letter,
    errorMessage: mask(letter.errorMessage),
    attempts: letter.attempts.map((attempt) =>
      attempt.message === undefined ? attempt : { ...attempt, message: mask(attempt.message) },
    ),
  };
}
