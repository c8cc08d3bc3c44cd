import { appendFile, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from '../domain/clock.js';
import type { DeadLetter, DeadLetterFallback, DeadLetterSink } from '../domain/dead-letter.js';
import { parseDeadLetter } from './dead-letter-schema.js';

/**
 * The engine's last resort when the DLQ cannot be written at stop: an append-only JSON-lines
 * file in storage.data_dir, fsynced before `save` resolves. `importJournal` moves it aside,
 * stores it through the sink and deletes it; a crash at any point leaves a file that the next
 * start imports again, and the sink's job_id idempotency makes that harmless.
 */
export interface Journal extends DeadLetterFallback {
  readonly path: string;
  /** The file an interrupted import left behind; imported first. */
  readonly importingPath: string;
  /** Unparseable lines (torn writes) are copied here instead of being dropped. */
  readonly rejectedPath: string;
}

export const JOURNAL_FILE = 'dlq-journal.jsonl';

export function createJournal(dataDir: string): Journal {
  const path = join(dataDir, JOURNAL_FILE);
  let tail: Promise<void> = Promise.resolve();

  async function append(letters: readonly DeadLetter[]): Promise<void> {
    await mkdir(dataDir, { recursive: true });
    const file = await open(path, 'a');
    try {
      await file.writeFile(letters.map((letter) => `${JSON.stringify(letter)}\n`).join(''));
      await file.sync();
    } finally {
      await file.close();
    }
  }

  return {
    path,
    importingPath: `${path}.importing`,
    rejectedPath: `${path}.rejected`,
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

/** Stores every journalled letter; returns how many were read. Throws (file kept) if the sink fails. */
export async function importJournal(
  journal: Journal,
  sink: DeadLetterSink,
  logger: Logger,
): Promise<number> {
  let imported = await importFile(journal, journal.importingPath, sink, logger);
  if (await moveAside(journal.path, journal.importingPath)) {
    imported += await importFile(journal, journal.importingPath, sink, logger);
  }
  if (imported > 0) logger.info({ imported }, 'imported dead letters from the journal');
  return imported;
}

async function importFile(
  journal: Journal,
  file: string,
  sink: DeadLetterSink,
  logger: Logger,
): Promise<number> {
  const text = await readIfExists(file);
  if (text === undefined) return 0;
  const letters: DeadLetter[] = [];
  const rejected: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const letter = parseDeadLetter(line);
    if (letter === undefined) rejected.push(line);
    else letters.push(letter);
  }
  await sink.write(letters);
  if (rejected.length > 0) {
    await appendFile(journal.rejectedPath, rejected.map((line) => `${line}\n`).join(''));
    logger.error(
      { count: rejected.length, file: journal.rejectedPath },
      'unreadable journal lines kept aside',
    );
  }
  await unlink(file);
  return letters.length;
}

async function moveAside(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (error: unknown) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error: unknown) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
