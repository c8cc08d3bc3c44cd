import type { Db, QueryOptions } from '../../db/db.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';

/**
 * The durable engine's database and dead-letter insert, paired so that `onCommitted` hears how
 * many letters each transaction inserted once it committed: letters written in a completion,
 * admission or removed-target transaction exist for others only from its commit, and a
 * transaction rolled back (an outage, a lost lease) wrote none. Transactions that wrote no
 * letter report nothing. Costs one WeakMap entry per transaction.
 */
export function countCommittedDeadLetters(
  db: Db,
  insert: DeadLetterInsert,
  onCommitted: (count: number) => void,
): { db: Db; insert: DeadLetterInsert } {
  /** Letters inserted so far by each open transaction (the port has no nested ones). */
  const written = new WeakMap<Db, number>();
  return {
    db: {
      kind: db.kind,
      query: <Row>(text: string, params?: readonly unknown[], options?: QueryOptions) =>
        db.query<Row>(text, params, options),
      close: () => db.close(),
      async transaction(fn) {
        let count = (): number => 0;
        const result = await db.transaction((tx) => {
          written.set(tx, 0);
          count = () => written.get(tx) ?? 0;
          return fn(tx);
        });
        const inserted = count();
        if (inserted > 0) onCommitted(inserted);
        return result;
      },
    },
    async insert(tx, letters) {
      const inserted = await insert(tx, letters);
      // A transaction opened elsewhere reports nothing (none is today).
      const before = written.get(tx);
      if (before !== undefined) written.set(tx, before + inserted);
      return inserted;
    },
  };
}
