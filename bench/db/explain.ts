// EXPLAIN for the store's own queries: a Db that remembers the SQL and parameters
// it was asked to run, so the plan shown is the plan of the code's real statement.
import type { Db } from '../../src/store/db.ts';

export interface Statement {
  sql: string;
  params: unknown[];
}

export function recordingDb(inner: Db, seen: Statement[]): Db {
  const wrap = (db: Db): Db => ({
    kind: db.kind,
    query: <R>(sql: string, params?: unknown[]) => {
      seen.push({ sql, params: params ?? [] });
      return db.query<R>(sql, params);
    },
    tx: (fn) => db.tx((tx) => fn(wrap(tx))),
    session: (fn) => db.session((conn) => fn(wrap(conn))),
    close: () => db.close(),
  });
  return wrap(inner);
}

export interface Plan {
  text: string;
  /** Index names the plan reads, in order of appearance. */
  indexes: string[];
  /** Tables read by a sequential scan (a large one here is what to look at). */
  seqScans: string[];
  executionMs: number | null;
}

/** `EXPLAIN (ANALYZE, BUFFERS)` of a statement, in a transaction rolled back afterwards (a FOR UPDATE locks nothing for long). */
export async function explain(db: Db, statement: Statement): Promise<Plan> {
  let lines: string[] = [];
  await db
    .tx(async (tx) => {
      const rows = await tx.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${statement.sql}`, statement.params);
      lines = rows.map((r) => r['QUERY PLAN']);
      throw new RolledBack();
    })
    .catch((err: unknown) => {
      if (!(err instanceof RolledBack)) throw err;
    });
  const text = lines.join('\n');
  const indexes = [...text.matchAll(/(?:Index Scan|Index Only Scan|Index Scan Backward|Index Only Scan Backward) using (\S+) on|Bitmap Index Scan on (\S+)/g)].map(
    (m) => m[1] ?? m[2] ?? '',
  );
  const seqScans = [...text.matchAll(/Seq Scan on (\S+)/g)].map((m) => m[1] ?? '');
  const exec = /Execution Time: ([\d.]+) ms/.exec(text);
  return { text, indexes: [...new Set(indexes)], seqScans: [...new Set(seqScans)], executionMs: exec ? Number(exec[1]) : null };
}

class RolledBack extends Error {}
