import assert from 'node:assert/strict';

import type { Db } from '../../src/db/db.js';

/** What each plan node of EXPLAIN (FORMAT JSON) says about the table and index it reads. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/** `db` with every statement it is given recorded. */
export function recording(db: Db): {
  db: Db;
  statements: Array<{ sql: string; params: unknown[] }>;
} {
  const statements: Array<{ sql: string; params: unknown[] }> = [];
  return {
    statements,
    db: {
      kind: db.kind,
      query: (sql, params, options) => {
        statements.push({ sql, params: [...(params ?? [])] });
        return db.query(sql, params, options);
      },
      transaction: (fn) => db.transaction(fn),
      close: () => db.close(),
    },
  };
}

/** The plan nodes of `sql` on the data as it is now (EXPLAIN only plans: nothing is changed). */
export async function planOf(db: Db, sql: string, params: unknown[]): Promise<PlanNode[]> {
  const result = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> | string }>(
    `EXPLAIN (FORMAT JSON) ${sql}`,
    params,
  );
  const cell = result.rows[0]?.['QUERY PLAN'];
  const parsed = (typeof cell === 'string' ? JSON.parse(cell) : cell) as Array<{ Plan: PlanNode }>;
  const root = parsed[0]?.Plan;
  assert.ok(root !== undefined, 'no plan');
  return nodesOf(root);
}

/** The indexes a plan reads. */
export function indexesOf(nodes: readonly PlanNode[]): string[] {
  return nodes.flatMap((n) => (n['Index Name'] === undefined ? [] : [n['Index Name']]));
}
