// The benchmark's own database: created once, filled by COPY, and reused while it
// holds the same dataset (same generator version and size); `--fresh` rebuilds it.
// Filling: the secondary indexes are dropped and rebuilt around the load, and foreign
// keys are not checked row by row (session_replication_role = replica): the rows are
// consistent by construction, and the real schema (every migration) is in place.
import pg from 'pg';
import { openDb, type Db } from '../../src/store/db.ts';
import { MigrationChecksumError } from '../../src/store/errors.ts';
import { migrate } from '../../src/store/migrate.ts';
import { copyRows, iso, type Cell } from './copy-rows.ts';
import {
  accountAt,
  callAt,
  consoleTicket,
  DATASET_VERSION,
  ticketForCall,
  timersFor,
  type CallPlan,
  type DatasetSize,
  type TicketPlan,
} from './dataset.ts';
import { nowMs, round } from '../stats.ts';

export interface BenchDatabase {
  db: Db;
  name: string;
  url: string;
  /** The instant the dataset describes: queries run "as of" it. */
  anchor: Date;
  size: DatasetSize;
  rows: Record<string, number>;
  /** Seconds the load took when it was built (this run or the one that built it). */
  seedSeconds: number;
  builtThisRun: boolean;
  close(): Promise<void>;
}

interface Meta {
  version: number;
  size: DatasetSize;
  anchor: string;
  rows: Record<string, number>;
  seedSeconds: number;
  builtAt: string;
}

const TABLES = ['calls', 'tickets', 'sla_timers', 'call_events', 'call_engineer_rungs'] as const;

export async function openBenchDatabase(opts: {
  serverUrl: string;
  name: string;
  size: DatasetSize;
  fresh: boolean;
  log: (message: string) => void;
}): Promise<BenchDatabase> {
  const url = withDatabase(opts.serverUrl, opts.name);
  if (opts.fresh) await admin(opts.serverUrl, `drop database if exists ${opts.name} with (force)`);
  if (!(await exists(opts.serverUrl, opts.name))) await admin(opts.serverUrl, `create database ${opts.name}`);

  let db = await openDb({ url, maxConnections: 6 });
  try {
    await migrate(db);
  } catch (err) {
    if (!(err instanceof MigrationChecksumError)) throw err;
    // A migration was edited since this database was built: start again from the files.
    opts.log(`db: ${err.message}; rebuilding ${opts.name}`);
    await db.close();
    await admin(opts.serverUrl, `drop database if exists ${opts.name} with (force)`);
    await admin(opts.serverUrl, `create database ${opts.name}`);
    db = await openDb({ url, maxConnections: 6 });
    await migrate(db);
  }
  await db.query('create table if not exists bench_meta (key text primary key, value jsonb not null)');
  const [row] = await db.query<{ value: Meta }>(`select value from bench_meta where key = 'dataset'`);
  const meta = row?.value;
  const reusable = meta && meta.version === DATASET_VERSION && sameSize(meta.size, opts.size);
  let built = false;
  let current: Meta;
  if (reusable) {
    current = meta;
    opts.log(`db: reusing ${opts.name} (built ${meta.builtAt}, ${meta.rows['calls']} calls)`);
  } else {
    opts.log(`db: building ${opts.name}: ${opts.size.calls} calls, ${opts.size.tickets} tickets (COPY)…`);
    current = await build(url, opts.size, opts.log);
    await db.query(
      `insert into bench_meta (key, value) values ('dataset', $1::jsonb)
       on conflict (key) do update set value = excluded.value`,
      [JSON.stringify(current)],
    );
    built = true;
  }
  return {
    db,
    name: opts.name,
    url,
    anchor: new Date(current.anchor),
    size: current.size,
    rows: current.rows,
    seedSeconds: current.seedSeconds,
    builtThisRun: built,
    close: () => db.close(),
  };
}

// Field by field: jsonb does not keep the keys in the order they were written.
function sameSize(a: DatasetSize, b: DatasetSize): boolean {
  return (Object.keys(b) as (keyof DatasetSize)[]).every((k) => a[k] === b[k]);
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await admin(serverUrl, `drop database if exists ${name} with (force)`);
}

async function build(url: string, size: DatasetSize, log: (m: string) => void): Promise<Meta> {
  const started = nowMs();
  // Whole seconds: the dataset's instants then print the same everywhere.
  const anchor = Math.floor(Date.now() / 1000) * 1000;
  const main = new pg.Client({ connectionString: url });
  await main.connect();
  try {
    await main.query(`truncate ${TABLES.join(', ')}, accounts, engineers restart identity cascade`);
    const indexes = await secondaryIndexes(main);
    for (const ix of indexes) await main.query(`drop index if exists "${ix.name}"`);

    await withCopyClient(url, async (c) => {
      await copyRows(c, 'accounts', ['id', 'number', 'name', 'pin_hash', 'status', 'created_at'], accountRows(size, anchor));
      await copyRows(c, 'engineers', ['id', 'name', 'phone', 'email', 'active', 'created_at'], engineerRows(size, anchor));
    });
    const rows: Record<string, number> = { accounts: size.accounts, engineers: size.engineers };
    // One connection per table, all loading at once: generating rows and Postgres
    // writing them overlap on the two cores.
    const loads = await Promise.all([
      withCopyClient(url, (c) => copyRows(c, 'calls', CALL_COLUMNS, callRows(size, anchor))),
      withCopyClient(url, (c) => copyRows(c, 'tickets', TICKET_COLUMNS, ticketRows(size, anchor))),
      withCopyClient(url, (c) => copyRows(c, 'sla_timers', TIMER_COLUMNS, timerRows(size, anchor))),
      withCopyClient(url, (c) => copyRows(c, 'call_events', EVENT_COLUMNS, eventRows(size, anchor))),
    ]);
    [rows['calls'], rows['tickets'], rows['sla_timers'], rows['call_events']] = loads;
    log(`db: rows loaded in ${round((nowMs() - started) / 1000, 1)} s; rebuilding ${indexes.length} indexes`);

    await main.query(`set maintenance_work_mem = '256MB'`);
    for (const ix of indexes) await main.query(ix.def);
    for (const [table, column] of [['accounts', 'id'], ['engineers', 'id'], ['tickets', 'id'], ['sla_timers', 'id'], ['call_events', 'id']]) {
      await main.query(`select setval(pg_get_serial_sequence('${table}', '${column}'), coalesce((select max(${column}) from ${table}), 1))`);
    }
    await main.query(`select setval('ticket_reference_seq', 1000 + coalesce((select max(id) from tickets), 1))`);
    // The load ran with triggers off (session_replication_role = replica): set the call
    // log's breached flag (migration 150) as its trigger would have.
    await main.query(`update calls c set sla_breached = true
                       where exists (select 1 from tickets t join sla_timers st on st.ticket_id = t.id
                                      where t.call_id = c.id and st.state = 'breached')`);
    // And the engineer filter's rung calls (migration 167), as its trigger would have.
    await main.query(`insert into call_engineer_rungs (engineer_id, call_id, started_at)
                      select distinct e.detail ->> 'engineerId', e.call_id, c.started_at
                        from call_events e join calls c on c.id = e.call_id
                       where e.type = 'engineer-rung' and e.detail ->> 'engineerId' is not null
                      on conflict do nothing`);
    // Fresh statistics and a visibility map, as autovacuum would leave a settled table.
    await main.query(`vacuum (analyze) ${TABLES.join(', ')}, accounts, engineers`);
    // Flush the load now rather than under the queries (or the next benchmark).
    await main.query('checkpoint');
  } finally {
    await main.end();
  }
  const seedSeconds = round((nowMs() - started) / 1000, 1);
  log(`db: built in ${seedSeconds} s`);
  return {
    version: DATASET_VERSION,
    size,
    anchor: new Date(anchor).toISOString(),
    rows: await countRows(url),
    seedSeconds,
    builtAt: new Date().toISOString(),
  };
}

async function countRows(url: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of [...TABLES, 'accounts', 'engineers']) {
      const r = await c.query<{ n: string }>(`select count(*) as n from ${t}`);
      out[t] = Number(r.rows[0]?.n ?? 0);
    }
    return out;
  } finally {
    await c.end();
  }
}

async function withCopyClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`set session_replication_role = replica`);
    await c.query(`set synchronous_commit = off`);
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Indexes that no constraint owns: safe to drop and rebuild around a load. */
async function secondaryIndexes(c: pg.Client): Promise<{ name: string; def: string }[]> {
  const r = await c.query<{ name: string; def: string }>(
    `select i.relname as name, pg_get_indexdef(i.oid) as def
       from pg_index x
       join pg_class i on i.oid = x.indexrelid
       join pg_class t on t.oid = x.indrelid
      where t.relname = any($1) and t.relnamespace = 'public'::regnamespace
        and not exists (select 1 from pg_constraint k where k.conindid = i.oid)
      order by i.relname`,
    [TABLES],
  );
  return r.rows;
}

// --- rows -------------------------------------------------------------------------

const CALL_COLUMNS = [
  'id', 'carrier', 'carrier_call_id', 'from_number', 'to_number', 'account_id', 'tier', 'priority', 'menu', 'route',
  'route_reason', 'outcome', 'end_reason', 'hangup_cause', 'started_at', 'answered_at', 'ended_at', 'ticket_id',
  'recording_name', 'escalation_failed',
];
const TICKET_COLUMNS = [
  'id', 'reference', 'account_id', 'call_id', 'kind', 'tier', 'priority', 'channel', 'status', 'route', 'summary',
  'escalation_failed', 'recording_name', 'opened_at', 'responded_at', 'responded_by', 'created_at', 'updated_at',
];
const TIMER_COLUMNS = [
  'ticket_id', 'target', 'calendar', 'target_minutes', 'starts_at', 'due_at', 'warn_at', 'state', 'warned_at',
  'breached_at', 'met_at', 'paused_at', 'service_credit', 'next_fire_at', 'created_at', 'updated_at',
];
const EVENT_COLUMNS = ['call_id', 'seq', 'at', 'type', 'detail'];

function* accountRows(size: DatasetSize, anchor: number): Generator<Cell[]> {
  for (let i = 0; i < size.accounts; i++) {
    const a = accountAt(i);
    // Not a usable PIN hash: nobody authenticates against the benchmark data.
    yield [a.id, a.number, a.name, 'scrypt$16384$8$1$bench$bench', 'active', iso(anchor - size.days * 86_400_000)];
  }
}

function* engineerRows(size: DatasetSize, anchor: number): Generator<Cell[]> {
  for (let i = 1; i <= size.engineers; i++) {
    yield [i, `Engineer ${i}`, `+4477009${String(i).padStart(5, '0')}`, `engineer${i}@example.com`, true, iso(anchor - size.days * 86_400_000)];
  }
}

/** Calls in order, each with the id of the ticket it raised (tickets are numbered in call order). */
function* plannedCalls(size: DatasetSize, anchor: number): Generator<{ call: CallPlan; ticketId: number | null }> {
  let ticketId = 0;
  for (let i = 0; i < size.calls; i++) {
    const call = callAt(i, size, anchor);
    const raises = call.ticketKind !== null && ticketId < size.tickets;
    yield { call, ticketId: raises ? ++ticketId : null };
  }
}

function* callRows(size: DatasetSize, anchor: number): Generator<Cell[]> {
  for (const { call: c, ticketId } of plannedCalls(size, anchor)) {
    yield [
      c.id, c.carrier, c.carrierCallId, c.from, '+441632960000', c.accountId, c.tier, c.priority, c.menu, c.route,
      c.routeReason, c.outcome, c.endReason, c.endedAt === null ? null : 'Normal Clearing', iso(c.startedAt),
      iso(c.startedAt), iso(c.endedAt), ticketId, c.recording ? `support-line/${c.id}` : null, c.escalationFailed,
    ];
  }
}

function* allTickets(size: DatasetSize, anchor: number): Generator<TicketPlan> {
  let last = 0;
  for (const { call, ticketId } of plannedCalls(size, anchor)) {
    if (ticketId === null) continue;
    const t = ticketForCall(call, ticketId, anchor);
    if (t) yield t;
    last = ticketId;
  }
  // The rest were raised at the console or over the API.
  for (let id = last + 1; id <= size.tickets; id++) yield consoleTicket(id, size, anchor);
}

function* ticketRows(size: DatasetSize, anchor: number): Generator<Cell[]> {
  for (const t of allTickets(size, anchor)) {
    const updated = Math.min(anchor, (t.respondedAt ?? t.openedAt) + 3_600_000);
    yield [
      t.id, t.reference, t.accountId, t.callId, t.kind, t.tier, t.priority, t.channel, t.status, t.route, t.summary,
      t.escalationFailed, t.recording, iso(t.openedAt), iso(t.respondedAt), t.respondedBy, iso(t.openedAt), iso(updated),
    ];
  }
}

function* timerRows(size: DatasetSize, anchor: number): Generator<Cell[]> {
  for (const t of allTickets(size, anchor)) {
    for (const s of timersFor(t, anchor)) {
      const updated = Math.min(anchor, s.metAt ?? s.breachedAt ?? s.warnedAt ?? t.openedAt);
      yield [
        t.id, s.target, s.calendar, s.minutes, iso(s.startsAt), iso(s.dueAt), iso(s.warnAt), s.state, iso(s.warnedAt),
        iso(s.breachedAt), iso(s.metAt), iso(s.pausedAt), s.serviceCredit, iso(s.nextFireAt), iso(t.openedAt), iso(updated),
      ];
    }
  }
}

/** The timeline entries the call log reads (engineer legs and the bridge), between the call's start and end. */
function* eventRows(size: DatasetSize, anchor: number): Generator<Cell[]> {
  for (const { call: c } of plannedCalls(size, anchor)) {
    let seq = 1;
    const at = (offsetS: number) => iso(c.startedAt + offsetS * 1000);
    yield [c.id, seq++, at(0), 'call-started', JSON.stringify({ from: c.from, to: '+441632960000', carrier: c.carrier, closures: 0 })];
    for (let k = 0; k < c.legs.length; k++) {
      const engineerId = String(c.legs[k]);
      const accepted = k === c.legs.length - 1 && c.outcome === 'engineer';
      const level = k % 2 === 0 ? 'primary' : 'secondary';
      yield [c.id, seq++, at(60 + k * 30), 'engineer-rung', JSON.stringify({ engineerId, name: `Engineer ${engineerId}`, level, ringSeconds: 25 })];
      yield [c.id, seq++, at(85 + k * 30), 'engineer-result', JSON.stringify({ engineerId, outcome: accepted ? 'accepted' : 'no_answer' })];
      if (accepted) yield [c.id, seq++, at(86 + k * 30), 'bridge', JSON.stringify({ engineerId })];
    }
    if (c.endedAt !== null) yield [c.id, seq, iso(c.endedAt), 'call-ended', JSON.stringify({ outcome: c.outcome, reason: c.endReason })];
  }
}

// --- server ---------------------------------------------------------------------------

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function exists(serverUrl: string, name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    const r = await c.query('select 1 from pg_database where datname = $1', [name]);
    return r.rows.length > 0;
  } finally {
    await c.end();
  }
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
