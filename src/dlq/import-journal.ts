import { appendFile, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from '../domain/clock.js';
import type { DeadLetter, DeadLetterSink } from '../domain/dead-letter.js';
import { parseDeadLetter } from './dead-letter-schema.js';
import type { Journal, JournalHeader } from './journal.js';
import { JOURNAL_FILE, maskLetter } from './journal.js';

/** Reasons logged per import at most; the rejected file keeps every line. */
const MAX_LOGGED_REASONS = 20;

/**
 * At start: stores this database's journalled letters through the sink (masked like any
 * other), then deletes the file. The file is moved aside first (`.importing`), so a crash at
 * any point leaves a file that the next start imports again; the sink's job_id idempotency
 * makes that harmless. A line that cannot be read is moved to `.rejected` with its reason
 * logged; the sink stores every letter it is given (a refused one as a copy), so one letter
 * never fails the start. Journals of other databases, and one written before journals named
 * their database, are left in place and logged. Throws (file kept) only if the sink fails.
 */
export async function importJournal(
  journal: Journal,
  sink: DeadLetterSink,
  logger: Logger,
): Promise<number> {
  await reportOtherJournals(journal, logger);
  let imported = await importFile(journal, journal.importingPath, sink, logger);
  // A kept `.importing` (naming another database) must not be overwritten by the rename.
  if (!(await exists(journal.importingPath)) && (await moveAside(journal))) {
    imported += await importFile(journal, journal.importingPath, sink, logger);
  }
  if (imported > 0)
    logger.info({ imported, file: journal.path }, 'imported dead letters from the journal');
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
  const lines = text.split('\n');
  const header = headerOf(lines[0] ?? '');
  if (header !== undefined && header.database_id !== journal.databaseId) {
    logger.warn(
      { file, database: header.database, this_database: journal.databaseName },
      'dead-letter journal names another database: left in place',
    );
    return 0;
  }
  const letters: DeadLetter[] = [];
  const rejected: Array<{ line: number; text: string; reason: string }> = [];
  lines.forEach((line, index) => {
    if (line.trim() === '' || (index === 0 && header !== undefined)) return;
    const parsed = parseDeadLetter(line);
    if (parsed.ok) letters.push(maskLetter(parsed.letter, journal.mask));
    else rejected.push({ line: index + 1, text: line, reason: parsed.reason });
  });
  await sink.write(letters);
  if (rejected.length > 0) {
    await appendFile(
      journal.rejectedPath,
      rejected.map((r) => `${journal.mask(r.text)}\n`).join(''),
    );
    logger.error(
      {
        count: rejected.length,
        file: journal.rejectedPath,
        reasons: rejected.slice(0, MAX_LOGGED_REASONS).map((r) => `line ${r.line}: ${r.reason}`),
      },
      'journal lines that cannot be imported were moved aside',
    );
  }
  await unlink(file);
  return letters.length;
}

/** Other databases' journals and pre-0009 ones: one line each, every start, until someone acts. */
async function reportOtherJournals(journal: Journal, logger: Logger): Promise<void> {
  let names: string[];
  try {
    names = await readdir(journal.dataDir);
  } catch (error: unknown) {
    if (isNotFound(error)) return;
    throw error;
  }
  for (const name of names) {
    const match = JOURNAL_FILE.exec(name);
    if (match === null || match[1] === journal.databaseId) continue;
    const file = join(journal.dataDir, name);
    if (match[1] === undefined) {
      logger.warn(
        {
          file,
          this_database: journal.databaseName,
          to_import_here: `cat ${file} >> ${journal.path} && rm ${file}`,
        },
        'dead-letter journal written before journals named their database: left in place',
      );
      continue;
    }
    const firstLine = (await readIfExists(file))?.split('\n', 1)[0] ?? '';
    logger.warn(
      {
        file,
        database: headerOf(firstLine)?.database ?? match[1],
        this_database: journal.databaseName,
      },
      'dead-letter journal of another database left in place',
    );
  }
}

function headerOf(line: string): JournalHeader | undefined {
  if (!line.startsWith('{"journal"')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    const id: unknown = Reflect.get(value, 'database_id');
    const database: unknown = Reflect.get(value, 'database');
    if (typeof id !== 'string' || typeof database !== 'string') return undefined;
    return { journal: 'alert-publisher dead letters', database_id: id, database };
  } catch (error: unknown) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

async function moveAside(journal: Journal): Promise<boolean> {
  try {
    await rename(journal.path, journal.importingPath);
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

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error: unknown) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
