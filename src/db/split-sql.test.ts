import assert from 'node:assert/strict';
import { it } from 'node:test';

import { splitSql } from './split-sql.js';

it('splits at top-level semicolons only', () => {
  const sql = [
    "-- a comment; with a semicolon\nCREATE TABLE a (x text DEFAULT 'a;b');",
    'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;',
    '/* block; */ SELECT "we;ird" FROM a;',
    '-- trailing comment only',
  ].join('\n');
  assert.deepEqual(splitSql(sql), [
    "-- a comment; with a semicolon\nCREATE TABLE a (x text DEFAULT 'a;b')",
    'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql',
    '/* block; */ SELECT "we;ird" FROM a',
  ]);
});
