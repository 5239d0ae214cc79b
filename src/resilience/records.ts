// The call records with Postgres allowed to go away (for minutes, not for good).
//
// Reads that routing needs (account by caller ID, account for a PIN, closures, the
// rota) fall back to a recent copy (snapshot.ts) when Postgres cannot be reached —
// never on an ordinary "not found". Writes go to a durable journal (journal.ts) and
// are applied in order, exactly once, when Postgres answers again. While anything is
// waiting in the journal every new write queues behind it, so a call's writes reach
// Postgres in the order the call made them.
//
// A circuit breaker keeps callers from waiting on a dead server: after one failure
// the line stops trying Postgres on the call path and a probe asks once a second.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AccountForPin, CallRecords, TimelineEntry } from '../calls/records.ts';
import { pgCallRecords } from '../calls/pg-records.ts';
import type { CarrierName } from '../domain/flow/types.ts';
import type { Db } from '../store/db.ts';
import type { LiveStore } from '../store/live/live-store.ts';
import { lockOutbox } from './instance-lock.ts';
import { appendFileDurably, Journal } from './journal.ts';
import { ReservedReferences } from './references.ts';
import { closuresAround, loadSnapshot, rotaAt, type RoutingSnapshot } from './snapshot.ts';
import { isUnavailable, StoreUnavailableError, withTimeout } from './unavailable.ts';
import { applyWrite, callOf, provisionalCall, provisionalTicketId, timelineWrite, type Write, type WriteOp } from './writes.ts';

export type PostgresMode = 'up' | 'down' | 'draining';

export interface ResilientRecordsOptions {
  /** The database the direct port talks to: probes, the snapshot, references and replays use it. */
  db: Db;
  /** The port over a transaction, for replays (default: the Postgres records). */
  recordsOn?: (db: Db) => CallRecords;
  /** Where the journal and the reserved references live (a persistent volume). */
  dir: string;
  /** This instance's name: its journal is `<dir>/<instance>.jsonl`. */
  instance: string;
  logger: Logger;
  /** Lets another instance's call be found by its carrier id while Postgres is away. */
  live?: Pick<LiveStore, 'listSessions' | 'getSession'>;
  clock?: () => Date;
  /**
   * How long a call waits on Postgres before the line falls back (default 5000 ms). One
   * timeout sends the whole instance into the degraded mode, so it must sit well above
   * the slowest answer of a merely overloaded server (the bench saw p99 666 ms at load 7).
   */
  timeoutMs?: number;
  /** How often an unreachable Postgres is asked again (default 1000 ms). */
  probeMs?: number;
  /** How often the routing copy is reloaded while Postgres is up (default 60 s). */
  refreshMs?: number;
  /** References kept in reserve for tickets raised while Postgres is away (default 100). */
  referenceBlock?: number;
  /** Attempts at a journaled write that Postgres refuses (not unreachable) before it is set aside (default 3). */
  maxAttempts?: number;
  onEvent?: (event: ResilienceEvent) => void;
}

export type ResilienceEvent =
  | { type: 'journaled'; op: WriteOp }
  | { type: 'replayed'; op: WriteOp; duplicate: boolean }
  | { type: 'parked'; op: WriteOp }
  | { type: 'fallback-read'; read: string }
  | { type: 'mode'; mode: PostgresMode };

export interface PostgresStatus {
  mode: PostgresMode;
  /** Writes waiting in the journal. */
  outbox: number;
  oldestWaitingAt: string | null;
  /** Writes Postgres refused on replay, kept in `<instance>.parked.jsonl` for a person. */
  parked: number;
  downSince: string | null;
  snapshotAt: string | null;
  reservedReferences: number;
  lastError: string | null;
}

export interface ResilientRecords extends CallRecords {
  /** Loads the routing copy and reserves references; replays anything a previous run left. */
  start(): Promise<void>;
  status(): PostgresStatus;
  /** Tries to empty the journal now (the probe does this by itself). Resolves when it stops. */
  drain(): Promise<void>;
  /** Stops the timers, tries to flush the journal for up to `flushMs`, closes the journal. */
  close(flushMs?: number): Promise<void>;
}

/** Recent carrier-id → call-id answers kept for lookups while Postgres is away. */
const CALL_INDEX_LIMIT = 10_000;

export function resilientRecords(pg: CallRecords, opts: ResilientRecordsOptions): ResilientRecords {
  const log = opts.logger.child({ component: 'postgres-outbox', instance: opts.instance });
  const clock = opts.clock ?? (() => new Date());
  const timeoutMs = opts.timeoutMs ?? 5000;
  const probeMs = opts.probeMs ?? 1000;
  const refreshMs = opts.refreshMs ?? 60_000;
  // Enough for a busy line's whole outage; unused ones wait on disk for the next.
  const block = opts.referenceBlock ?? 250;
  const maxAttempts = opts.maxAttempts ?? 3;
  const recordsOn = opts.recordsOn ?? pgCallRecords;
  const emit = opts.onEvent ?? (() => {});

  const lock = lockOutbox(opts.dir, opts.instance);
  let journal: Journal<Write>;
  let refs: ReservedReferences;
  try {
    const opened = Journal.open<Write>(opts.dir, opts.instance);
    journal = opened.journal;
    if (opened.report.unreadable > 0) {
      log.error({ unreadable: opened.report.unreadable }, 'outbox journal had unreadable lines: kept aside in the .bad file');
    }
    refs = ReservedReferences.open(opts.dir, opts.instance);
  } catch (err) {
    lock.release();
    throw err;
  }
  const parkedPath = join(opts.dir, `${opts.instance}.parked.jsonl`);

  let mode: PostgresMode = journal.size > 0 ? 'draining' : 'up';
  let downSince: Date | null = null;
  let lastError: string | null = null;
  let snapshot: RoutingSnapshot | null = null;
  let parked = 0;
  let closed = false;
  let draining: Promise<void> | null = null;
  let probeTimer: NodeJS.Timeout | null = null;
  let refreshTimer: NodeJS.Timeout | null = null;
  const attempts = new Map<string, number>();
  const callIndex = new Map<string, string>();
  /** Tickets raised while Postgres was away, by call: the flow may ask again after a retry. */
  const provisional = new Map<string, { id: string; reference: string }>();
  for (const entry of journal.pending()) remember(entry.write);

  function remember(write: Write): void {
    if (write.op === 'openCall') indexCall(write.call.carrier, write.call.carrierCallId, write.call.id);
    if (write.op === 'createTicket') provisional.set(write.ticket.callId, { id: write.provisionalId, reference: write.reference });
  }

  function indexCall(carrier: CarrierName, carrierCallId: string, callId: string): void {
    const key = `${carrier}:${carrierCallId}`;
    callIndex.delete(key);
    callIndex.set(key, callId);
    if (callIndex.size > CALL_INDEX_LIMIT) {
      const oldest = callIndex.keys().next().value;
      if (oldest !== undefined) callIndex.delete(oldest);
    }
  }

  function setMode(next: PostgresMode): void {
    if (mode === next) return;
    mode = next;
    emit({ type: 'mode', mode: next });
  }

  function wentDown(err: unknown): void {
    lastError = err instanceof Error ? err.message : String(err);
    if (mode === 'down') return;
    downSince = clock();
    setMode('down');
    log.warn(
      { err, outbox: journal.size, snapshotAt: snapshot?.loadedAt.toISOString() ?? null },
      'postgres unreachable: routing from the cached copy, writes go to the outbox journal',
    );
    scheduleProbe();
  }

  function scheduleProbe(): void {
    if (closed || probeTimer) return;
    probeTimer = setTimeout(() => {
      probeTimer = null;
      void probe();
    }, probeMs);
    probeTimer.unref();
  }

  async function probe(): Promise<void> {
    if (closed || mode !== 'down') return;
    try {
      await withTimeout(opts.db.query('select 1'), timeoutMs, 'postgres probe');
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      scheduleProbe();
      return;
    }
    const was = downSince;
    log.info({ downForMs: was ? clock().getTime() - was.getTime() : null, outbox: journal.size }, 'postgres reachable again: replaying the outbox');
    downSince = null;
    setMode('draining');
    void refresh();
    await drain();
  }

  async function drain(): Promise<void> {
    if (draining) return draining;
    if (mode === 'down') return;
    draining = (async () => {
      setMode('draining');
      let applied = 0;
      for (;;) {
        const entry = journal.head();
        if (!entry) break;
        try {
          const fresh = await withTimeout(applyWrite(opts.db, entry.id, entry.write, recordsOn), timeoutMs * 2, 'postgres replay');
          emit({ type: 'replayed', op: entry.write.op, duplicate: !fresh });
        } catch (err) {
          if (isUnavailable(err)) {
            wentDown(err);
            return;
          }
          const tries = (attempts.get(entry.id) ?? 0) + 1;
          attempts.set(entry.id, tries);
          if (tries < maxAttempts) {
            log.warn({ err, op: entry.write.op, callId: callOf(entry.write), tries }, 'postgres refused a journaled write: trying again');
            continue;
          }
          // Kept for a person rather than blocking every write behind it.
          appendFileDurably(parkedPath, `${JSON.stringify({ ...entry, error: String(err) })}\n`);
          parked += 1;
          emit({ type: 'parked', op: entry.write.op });
          log.error({ err, op: entry.write.op, callId: callOf(entry.write), file: parkedPath }, 'journaled write set aside after repeated refusals');
        }
        attempts.delete(entry.id);
        journal.ack(entry.id);
        if (entry.write.op === 'createTicket') provisional.delete(entry.write.ticket.callId);
        applied += 1;
      }
      if (applied > 0) log.info({ applied }, 'outbox replayed: every journaled write is in postgres');
      setMode('up');
    })().finally(() => {
      draining = null;
    });
    return draining;
  }

  async function refresh(): Promise<void> {
    if (closed) return;
    try {
      snapshot = await withTimeout(loadSnapshot(opts.db, clock()), timeoutMs * 5, 'routing snapshot');
      if (refs.size < block / 2) await withTimeout(refs.refill(opts.db, block - refs.size), timeoutMs, 'reserve references');
    } catch (err) {
      if (isUnavailable(err)) wentDown(err);
      else log.error({ err }, 'could not refresh the routing copy');
    }
  }

  function scheduleRefresh(): void {
    if (closed) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      const work = mode === 'up' ? refresh() : Promise.resolve();
      void work.finally(scheduleRefresh);
    }, refreshMs);
    refreshTimer.unref();
  }

  // --- reads ---------------------------------------------------------------

  async function read<T>(what: string, direct: () => Promise<T>, fallback: (() => T | Promise<T>) | null): Promise<T> {
    if (mode !== 'down') {
      try {
        return await withTimeout(direct(), timeoutMs, `postgres ${what}`);
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        wentDown(err);
      }
    }
    if (!fallback) throw new StoreUnavailableError(`postgres is unreachable and ${what} has no cached copy`);
    emit({ type: 'fallback-read', read: what });
    return fallback();
  }

  function cached(): RoutingSnapshot {
    if (!snapshot) throw new StoreUnavailableError('postgres is unreachable and no routing copy was loaded');
    return snapshot;
  }

  async function findLiveCall(carrier: CarrierName, carrierCallId: string): Promise<string | null> {
    if (!opts.live) return null;
    // Only while Postgres is away, and only over calls in progress: a short list.
    for (const callId of await opts.live.listSessions()) {
      const session = await opts.live.getSession<{ carrierCallId?: string; state?: { carrier?: string } }>(callId);
      if (session?.carrierCallId === carrierCallId && session.state?.carrier === carrier) return callId;
    }
    return null;
  }

  // --- writes --------------------------------------------------------------

  /** `direct` is the plain write when it is idempotent by its own keys; null → applied under its claim. */
  async function write(w: Write, direct: (() => Promise<unknown>) | null): Promise<void> {
    if (closed) throw new StoreUnavailableError('the call records are closed');
    const id = randomUUID();
    if (mode === 'up' && journal.size === 0) {
      try {
        await withTimeout(direct ? direct() : applyWrite(opts.db, id, w, recordsOn), timeoutMs, `postgres ${w.op}`);
        return;
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        wentDown(err);
      }
    }
    journal.append({ id, write: w, at: clock().toISOString() });
    remember(w);
    emit({ type: 'journaled', op: w.op });
  }

  const records: ResilientRecords = {
    async start() {
      await refresh();
      scheduleRefresh();
      if (journal.size > 0) {
        log.warn({ outbox: journal.size }, 'outbox journal left by a previous run: replaying it');
        void drain();
      }
    },

    status() {
      const head = journal.head();
      return {
        mode,
        outbox: journal.size,
        oldestWaitingAt: head?.at ?? null,
        parked,
        downSince: downSince?.toISOString() ?? null,
        snapshotAt: snapshot?.loadedAt.toISOString() ?? null,
        reservedReferences: refs.size,
        lastError,
      };
    },

    drain,

    async close(flushMs = 5000) {
      if (closed) return;
      if (probeTimer) clearTimeout(probeTimer);
      if (refreshTimer) clearTimeout(refreshTimer);
      probeTimer = null;
      refreshTimer = null;
      if (journal.size > 0) {
        if (mode === 'down') {
          try {
            await withTimeout(opts.db.query('select 1'), Math.min(timeoutMs, flushMs), 'postgres probe');
            setMode('draining');
          } catch {
            /* still away: the journal waits for the next start */
          }
        }
        if (mode !== 'down') {
          await withTimeout(drain(), flushMs, 'outbox flush').catch(() => undefined);
        }
        if (journal.size > 0) log.warn({ outbox: journal.size, file: journal.path }, 'stopping with writes still in the outbox: the next start replays them');
      }
      closed = true;
      await draining?.catch(() => undefined);
      journal.close();
      lock.release();
    },

    findAccountNumberByPhone(e164: string) {
      return read(
        'account by caller ID',
        async () => {
          const number = await pg.findAccountNumberByPhone(e164);
          if (snapshot) {
            if (number) snapshot.phones.set(e164, number);
            else snapshot.phones.delete(e164);
          }
          return number;
        },
        () => cached().phones.get(e164) ?? null,
      );
    },

    findAccountForPin(accountNumber: string) {
      return read(
        'account for PIN',
        async (): Promise<AccountForPin | null> => {
          const account = await pg.findAccountForPin(accountNumber);
          if (snapshot) {
            if (account) snapshot.accounts.set(accountNumber, account);
            else snapshot.accounts.delete(accountNumber);
          }
          return account;
        },
        () => cached().accounts.get(accountNumber) ?? null,
      );
    },

    replacePinHash(accountId: string, checked: string, replacement: string) {
      // Not journalled: the old hash keeps working, and the next right PIN tries again.
      return read('PIN re-hash', () => pg.replacePinHash(accountId, checked, replacement), () => undefined);
    },

    closuresAround(at: Date) {
      return read('closures', () => pg.closuresAround(at), () => closuresAround(cached(), at));
    },

    rotaAt(at: Date) {
      return read('on-call rota', () => pg.rotaAt(at), () => rotaAt(cached(), at));
    },

    async findCallId(carrier: CarrierName, carrierCallId: string) {
      // A call opened while Postgres was away is in the journal, not yet in Postgres.
      const known = callIndex.get(`${carrier}:${carrierCallId}`);
      if (known && mode !== 'up') return known;
      return read(
        'call by carrier id',
        async () => {
          const callId = (await pg.findCallId(carrier, carrierCallId)) ?? known ?? null;
          if (callId) indexCall(carrier, carrierCallId, callId);
          return callId;
        },
        async () => known ?? (await findLiveCall(carrier, carrierCallId)),
      );
    },

    ticketStatusView(accountId: string, reference: string) {
      // A caller asking after a ticket while Postgres is away gets the safe route, not a wrong "not found".
      return read('ticket status', () => pg.ticketStatusView(accountId, reference), null);
    },

    async openCall(call) {
      await write({ op: 'openCall', call: { ...call, startedAt: call.startedAt.toISOString() } }, () => pg.openCall(call));
      indexCall(call.carrier, call.carrierCallId, call.id);
    },

    async appendTimeline(entries: readonly TimelineEntry[]) {
      if (entries.length === 0) return;
      await write(timelineWrite(entries), () => pg.appendTimeline(entries));
    },

    updateCall(callId, summary) {
      return write({ op: 'updateCall', callId, summary }, () => pg.updateCall(callId, summary));
    },

    closeCall(callId, end) {
      return write({ op: 'closeCall', callId, end: { ...end, endedAt: end.endedAt.toISOString() } }, () => pg.closeCall(callId, end));
    },

    async createTicket(ticket, at) {
      const known = provisional.get(ticket.callId);
      if (known) return known;
      if (mode === 'up' && journal.size === 0) {
        try {
          return await withTimeout(pg.createTicket(ticket, at), timeoutMs, 'postgres createTicket');
        } catch (err) {
          if (!isUnavailable(err)) throw err;
          wentDown(err);
        }
      }
      const reference = refs.take();
      if (reference === null) throw new StoreUnavailableError('postgres is unreachable and no reserved ticket reference is left');
      const id = provisionalTicketId(ticket.callId);
      const w: Write = { op: 'createTicket', ticket, at: at.toISOString(), reference, provisionalId: id };
      journal.append({ id: randomUUID(), write: w, at: clock().toISOString() });
      remember(w);
      emit({ type: 'journaled', op: 'createTicket' });
      return { id, reference };
    },

    markResponded(ticketId, engineerId, at) {
      const w: Write = { op: 'markResponded', ticketId, engineerId, at: at.toISOString() };
      // Idempotent by itself (responded once); a provisional id needs the claimed path, which resolves it.
      return write(w, provisionalCall(ticketId) ? null : () => pg.markResponded(ticketId, engineerId, at));
    },

    flagTicket(ticketId, flag, at) {
      return write({ op: 'flagTicket', ticketId, flag, at: at.toISOString() }, null);
    },

    attachRecording(ticketId, recordingName, at) {
      return write({ op: 'attachRecording', ticketId, recordingName, at: at.toISOString() }, null);
    },

    auditPinFailure(detail) {
      return write({ op: 'auditPinFailure', detail: { ...detail, at: detail.at.toISOString() } }, null);
    },
  };
  return records;
}
