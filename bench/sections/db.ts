// 5. The database at scale: a million calls and a million tickets with their timers,
// then the console's call-log page (first and deep, with filters) and the SLA
// watcher's due query, timed over repeated runs, each with its EXPLAIN (ANALYZE, BUFFERS).
import { callLogPage, type CallLogFilter } from '../../src/store/call-log.ts';
import { claimDueTimers } from '../../src/store/sla-timers.ts';
import type { Db } from '../../src/store/db.ts';
import type { SectionContext } from '../context.ts';
import { explain, recordingDb, type Plan, type Statement } from '../db/explain.ts';
import { FULL_SIZE, SMOKE_SIZE } from '../db/dataset.ts';
import { dropDatabase, openBenchDatabase } from '../db/seed.ts';
import { nowMs, roundSummary, summarise, type Summary } from '../stats.ts';

export interface QueryResult {
  name: string;
  /** What the query is, in words. */
  description: string;
  /** Which code ran it. */
  source: string;
  rowsReturned: number;
  latencyMs: Summary;
  plan: Plan;
}

export interface DbResult {
  database: string;
  builtThisRun: boolean;
  seedSeconds: number;
  rows: Record<string, number>;
  anchor: string;
  runsPerQuery: number;
  callLog: QueryResult[];
  dueQuery: QueryResult[];
}

const DAY_MS = 86_400_000;
/** The watcher's batch (a claim takes at most this many timers per round). */
const DUE_BATCH = 100;
const PAGE = 50;
const SLOW_QUERY_BUDGET_MS = 8_000;

export async function runDbSection(ctx: SectionContext): Promise<DbResult> {
  const smoke = ctx.options.smoke;
  const name = smoke ? `sl_bench_smoke_${process.pid}` : 'support_line_bench';
  const bench = await openBenchDatabase({
    serverUrl: ctx.options.databaseUrl,
    name,
    size: smoke ? SMOKE_SIZE : FULL_SIZE,
    fresh: ctx.options.fresh || smoke,
    log: ctx.log,
  });
  try {
    const runs = smoke ? 3 : 60;
    const now = bench.anchor;
    const at = (days: number) => new Date(now.getTime() - days * DAY_MS);
    // A keyset cursor need not be a row: "older than a year ago" is a deep page
    // (about half the log away from the first, page ~10,000 at 1M calls).
    const yearBack = { startedAt: `${at(smoke ? 30 : 365).toISOString().slice(0, 23)}000Z`, id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' };
    const busiest = '20000';

    const pages: { name: string; description: string; filter: CallLogFilter; after?: typeof yearBack }[] = [
      { name: 'first page', description: `newest ${PAGE} calls, no filter`, filter: {} },
      {
        name: 'first page, Cat4 on-call, last 30 days',
        description: 'tier Cat4, route on-call, started in the last 30 days',
        filter: { tier: 'Cat4', route: 'oncall', from: at(30), to: now },
      },
      { name: 'first page, one account', description: `account ${busiest} (the busiest)`, filter: { accountNumber: busiest } },
      { name: 'first page, one engineer', description: 'calls on which engineer 7 was rung', filter: { engineerId: '7' } },
      { name: 'first page, SLA breached', description: 'calls whose ticket has a breached timer', filter: { sla: 'breached' } },
      { name: 'deep page', description: `${PAGE} calls older than a year ago, no filter`, filter: {}, after: yearBack },
      {
        name: 'deep page, messages',
        description: `${PAGE} calls older than a year ago that ended in a message`,
        filter: { outcome: 'message' },
        after: yearBack,
      },
    ];

    const callLog: QueryResult[] = [];
    for (const p of pages) {
      callLog.push(
        await measure(bench.db, runs, p.name, p.description, 'src/store/call-log.ts callLogPage', async (db) => {
          const page = await callLogPage(db, p.filter, { after: p.after ?? null, limit: PAGE, now });
          return page.rows.length;
        }),
      );
      ctx.log(`db: call log "${p.name}" p95 ${callLog.at(-1)!.latencyMs.p95} ms`);
    }

    const dueQuery: QueryResult[] = [];
    for (const [label, description, asOf] of [
      ['due now', `timers whose next instant has come, as the watcher sees them every 30 s (batch ${DUE_BATCH})`, now],
      ['backlog of an hour', `after the watcher was stopped for an hour: the first ${DUE_BATCH} of the backlog`, new Date(now.getTime() + 3_600_000)],
    ] as const) {
      dueQuery.push(
        await measure(bench.db, runs, label, description, 'src/store/sla-timers.ts claimDueTimers (in a transaction, rolled back)', (db) =>
          claimRolledBack(db, asOf),
        ),
      );
      ctx.log(`db: due query "${label}" p95 ${dueQuery.at(-1)!.latencyMs.p95} ms`);
    }

    return {
      database: smoke ? `${name} (dropped afterwards)` : name,
      builtThisRun: bench.builtThisRun,
      seedSeconds: bench.seedSeconds,
      rows: bench.rows,
      anchor: now.toISOString(),
      runsPerQuery: runs,
      callLog,
      dueQuery,
    };
  } finally {
    await bench.close();
    if (smoke) await dropDatabase(ctx.options.databaseUrl, name);
  }
}

/** The watcher's claim, leaving the timers as they were; timed without BEGIN and ROLLBACK. */
async function claimRolledBack(db: Db, now: Date): Promise<Timed> {
  let result: Timed = { rows: 0, ms: 0 };
  await db
    .tx(async (tx) => {
      const start = nowMs();
      const rows = (await claimDueTimers(tx, now, DUE_BATCH)).length;
      result = { rows, ms: nowMs() - start };
      throw new Undo();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Undo)) throw err;
    });
  return result;
}
class Undo extends Error {}

/** A run that timed its own statement (leaving out what wraps it). */
interface Timed {
  rows: number;
  ms: number;
}

const rowsOf = (r: number | Timed): number => (typeof r === 'number' ? r : r.rows);

async function measure(
  db: Db,
  runs: number,
  name: string,
  description: string,
  source: string,
  run: (db: Db) => Promise<number | Timed>,
): Promise<QueryResult> {
  const seen: Statement[] = [];
  const recorded = recordingDb(db, seen);
  let rowsReturned = rowsOf(await run(recorded));
  // The statement that matters is the one that reads: the last SELECT issued.
  const statement = [...seen].reverse().find((s) => /^\s*select/i.test(s.sql)) ?? seen[seen.length - 1];
  if (!statement) throw new Error(`${name}: the code ran no statement`);
  await run(db);
  const samples: number[] = [];
  const began = nowMs();
  // A slow query gets fewer runs (at least three), so one plan gone wrong cannot eat the run's ten minutes.
  for (let i = 0; i < runs && (i < 3 || nowMs() - began < SLOW_QUERY_BUDGET_MS); i++) {
    const start = nowMs();
    const r = await run(db);
    const elapsed = nowMs() - start;
    rowsReturned = rowsOf(r);
    samples.push(typeof r === 'number' ? elapsed : r.ms);
  }
  return { name, description, source, rowsReturned, latencyMs: roundSummary(summarise(samples), 2), plan: await explain(db, statement) };
}
