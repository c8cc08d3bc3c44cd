/**
 * The one database port: node-postgres and PGlite adapters each implement it in ~20 lines,
 * and every SQL statement in the code base goes through it with parameters.
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** `name`: a statement run often; a server keeps its plan per connection under that name. */
export interface QueryOptions {
  name?: string;
}

export interface Db {
  query<Row = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<Row>>;
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** 'postgres' for a server, 'pglite' for the embedded one. */
  readonly kind: 'postgres' | 'pglite';
}
