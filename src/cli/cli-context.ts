import type { OptionValues } from 'commander';

import { AppError, type ErrorDetail } from '../domain/errors.js';
import type { DlqOperations } from '../dlq/dlq-operations.js';
import { ApiCallError, createApiClient } from './api-client.js';
import type { ApiClient } from './api-client.js';
import type { ConfiguredServer } from './configured-server.js';
import { databaseDlq, serverDlq } from './dlq-backend.js';
import type { DlqBackend } from './dlq-backend.js';

export interface ConfigCheck {
  /** The file checked (or "bundled example"), as config errors name it. */
  source: string;
  problems: string[];
  /** One line per fact worth showing when the config is valid (targets, mode, storage). */
  summary: string[];
}

/** The parts of the service the CLI drives; src/cli-main.ts passes the real ones (src/cli-backends.ts). */
export interface CliBackends {
  /** Runs the service until a signal stops it; resolves with the exit code. */
  serve(configPath: string | undefined): Promise<number>;
  /** Applies pending migrations; resolves with the versions applied and what to warn about. */
  migrate(databaseUrl: string | undefined, configPath: string | undefined): Promise<MigrateResult>;
  checkConfig(configPath: string | undefined): Promise<ConfigCheck>;
  openDatabaseDlq(databaseUrl: string): Promise<DatabaseDlq>;
  /** The server a config file describes; an invalid one throws AppError `invalid_config`. */
  configuredServer(configPath: string): Promise<ConfiguredServer>;
}

export interface MigrateResult {
  applied: string[];
  /** Lines for stderr (a database migrated by a newer release). */
  warnings: string[];
}

export interface DatabaseDlq {
  ops: DlqOperations;
  close(): Promise<void>;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

/** What commands see: the caller's io plus a way to report a non-zero exit without throwing. */
export interface CommandIo extends CliIo {
  setExitCode(code: number): void;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Exit codes: 0 done, 1 the operation failed, 2 bad usage or bad config. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function stringOption(options: OptionValues, name: string): string | undefined {
  const value: unknown = options[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function flag(options: OptionValues, name: string): boolean {
  const value: unknown = options[name];
  return value === true;
}

export function numberOption(options: OptionValues, name: string, fallback: number): number {
  const value: unknown = options[name];
  return typeof value === 'number' ? value : fallback;
}

export interface Connection {
  api: ApiClient;
  json: boolean;
  databaseUrl: string | undefined;
  configPath: string | undefined;
}

/**
 * Global flags, then the environment (ALERT_PUBLISHER_URL, ALERT_PUBLISHER_API_TOKEN,
 * DATABASE_URL), then `configured`: the server the config file describes, see
 * serverConnectionOf. Its token is used only with its URL, so a config's token never goes to
 * a server named some other way (docs/cli.md).
 */
export function connectionOf(
  options: OptionValues,
  io: CliIo,
  configured?: ConfiguredServer,
): Connection {
  const named = urlNamed(options, io);
  const url = named ?? configured?.url ?? DEFAULT_URL;
  const token =
    stringOption(options, 'token') ??
    io.env['ALERT_PUBLISHER_API_TOKEN'] ??
    (named === undefined ? configured?.token : undefined);
  const databaseUrl = stringOption(options, 'databaseUrl') ?? nonEmpty(io.env['DATABASE_URL']);
  return {
    api: createApiClient(url, token),
    json: flag(options, 'json'),
    databaseUrl,
    configPath: configPathOf(options, io),
  };
}

/**
 * connectionOf for a command that may call the server: with no `--url` or ALERT_PUBLISHER_URL
 * and a config file named (`--config`, ALERT_PUBLISHER_CONFIG), the server is the one that file
 * describes. A config that cannot be loaded ends the command (exit 2), never a silent default.
 */
export async function serverConnectionOf(
  options: OptionValues,
  io: CliIo,
  backends: CliBackends,
): Promise<Connection> {
  const configPath = configPathOf(options, io);
  if (urlNamed(options, io) !== undefined || configPath === undefined) {
    return connectionOf(options, io);
  }
  return connectionOf(options, io, await backends.configuredServer(configPath));
}

/**
 * The connection of a dlq command that reads, purges or deletes (withDlq): with a database URL
 * it calls no server, so the config is not read for one and cannot end it (docs/cli.md); else
 * serverConnectionOf.
 */
export async function dlqConnectionOf(
  options: OptionValues,
  io: CliIo,
  backends: CliBackends,
): Promise<Connection> {
  const connection = connectionOf(options, io);
  if (connection.databaseUrl !== undefined) return connection;
  return serverConnectionOf(options, io, backends);
}

function urlNamed(options: OptionValues, io: CliIo): string | undefined {
  return stringOption(options, 'url') ?? io.env['ALERT_PUBLISHER_URL'];
}

function configPathOf(options: OptionValues, io: CliIo): string | undefined {
  return stringOption(options, 'config') ?? nonEmpty(io.env['ALERT_PUBLISHER_CONFIG']);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** With a database URL the dlq reads, purges and deletes go to the database; else the server. */
export async function withDlq<T>(
  connection: Connection,
  backends: CliBackends,
  use: (dlq: DlqBackend) => Promise<T>,
): Promise<T> {
  if (connection.databaseUrl === undefined) return use(serverDlq(connection.api));
  const database = await backends.openDatabaseDlq(connection.databaseUrl);
  try {
    return await use(databaseDlq(database.ops));
  } finally {
    await database.close();
  }
}

/**
 * Prints a failure the way an operator wants it: code, message, each detail; no stack. With
 * `--json` the failure is also printed on stdout in the API's error envelope
 * (`{"error": {code, message, details}}`, docs/api.md), so a script reading stdout gets JSON
 * whether the command worked or not.
 */
export function reportFailure(io: CliIo, error: unknown, asJson = false): number {
  if (asJson) printErrorJson(io, error);
  if (error instanceof ApiCallError || error instanceof AppError) {
    io.err(`error: ${error.code}: ${error.message}`);
    for (const detail of error.details) {
      const line = `${detail.path}: ${detail.message}`;
      if (line !== error.message) io.err(`  ${line}`);
    }
    return isUsageError(error) ? EXIT.usage : EXIT.failed;
  }
  io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.failed;
}

/** A bad command line, or a config file the command needed that cannot be used (exit 2). */
function isUsageError(error: AppError | ApiCallError): boolean {
  return (
    error instanceof AppError &&
    (error.code === 'invalid_request' || error.code === 'invalid_config')
  );
}

/** `error` on stdout in the API's error envelope (`--json`). */
export function printErrorJson(io: CliIo, error: unknown): void {
  io.out(JSON.stringify({ error: envelopeOf(error) }, null, 2));
}

function envelopeOf(error: unknown): { code: string; message: string; details: ErrorDetail[] } {
  if (error instanceof ApiCallError || error instanceof AppError) {
    return { code: error.code, message: error.message, details: error.details };
  }
  return {
    code: 'error',
    message: error instanceof Error ? error.message : String(error),
    details: [],
  };
}
