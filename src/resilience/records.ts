// The call records with Postgres allowed to go away (for minutes, not for good).
//
// Reads that routing needs (account by caller ID, account for a PIN, closures, the
// rota) fall back to a recent copy (snapshot.ts) when Postgres cannot be reached —
// never on an ordinary "not found". Writes go to a durable journal (journal.ts) and
// are applied exactly once when Postgres answers again, each call's writes in the
// order the call made them: while a call has a write waiting in the journal, its new
// writes queue behind it (other calls' writes go straight to Postgres).
//
// With several instances a call's writes may be split over several journals (each
// webhook can land on another instance). A write whose parent row is in another
// journal waits, and is tried again with backoff until it arrives, without holding up
// other calls. Only a write that can never apply (bad data, a broken rule, or waiting
// past WAIT_LIMIT) is set aside ("parked") — with a log line, a metric and a note on
// the console's feed for a person.
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
import { FEED_CHANNEL } from '../notify/feed.ts';
import { addFeedEntry } from '../store/notifications.ts';
import { lockOutbox } from './instance-lock.ts';
import { appendFileDurably, countLines, Journal, type JournalEntry } from './journal.ts';
import { ReservedReferences } from './references.ts';
import { closuresAround, loadSnapshot, rotaAt, type RoutingSnapshot } from './snapshot.ts';
import { isUnavailable, StoreUnavailableError, withTimeout, type Patience } from './unavailable.ts';
import {
  applyWrite,
  createTicketUnderClaim,
  callOf,
  classifyRefusal,
  missingParent,
  provisionalCall,
  provisionalTicketId,
  timelineWrite,
  type Refusal,
  type Write,
  type WriteOp,
} from './writes.ts';

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
  /**
   * Shared with the other instances: another instance's call found by its carrier id
   * while Postgres is away, one ticket reference per call whichever instance raises
   * it, and parked writes told to open consoles.
   */
  live?: Pick<LiveStore, 'listSessions' | 'getSession' | 'claim' | 'claimOf' | 'publish'>;
  clock?: () => Date;
  /**
   * How long a call waits on Postgres before the line falls back (default 5000 ms). One
   * timeout sends the whole instance into the degraded mode, so it must sit well above
   * the slowest answer of a merely overloaded server (the bench saw p99 666 ms at load 7).
   * A wait that runs past it while Postgres answers the instance's other queries is a
   * queue for the pool's connections (a burst: 2,000 callers hanging up at once), not an
   * outage: it goes on, up to four times this.
   */
  timeoutMs?: number;
  /** How often an unreachable Postgres is asked again (default 1000 ms). */
  probeMs?: number;
  /** How often the routing copy is reloaded while Postgres is up (default 60 s). */
  refreshMs?: number;
  /** References kept in reserve for tickets raised while Postgres is away (default 100). */
  referenceBlock?: number;
  /** First wait before a refused or waiting write is tried again (default 200 ms); doubles each time. */
  retryMs?: number;
  /** Longest wait between tries (default 30 s). */
  maxRetryMs?: number;
  /**
   * How long (on `clock`) a write may keep waiting for its parent row, or keep being
   * refused for no fault of its own, before it is set aside (default 24 h: a dead
   * instance's journal is replayed when it is started again, usually well within that).
   */
  waitLimitMs?: number;
  onEvent?: (event: ResilienceEvent) => void;
}

export type ResilienceEvent =
  | { type: 'journaled'; op: WriteOp }
  | { type: 'replayed'; op: WriteOp; duplicate: boolean }
  | { type: 'parked'; op: WriteOp; reason: Refusal | 'expired' }
  | { type: 'waiting'; op: WriteOp }
  | { type: 'fallback-read'; read: string }
  | { type: 'mode'; mode: PostgresMode };

export interface PostgresStatus {
  mode: PostgresMode;
  /** Writes waiting in the journal. */
  outbox: number;
  oldestWaitingAt: string | null;
  /** Writes that can never apply, kept in `<instance>.parked.jsonl` for a person (counted from the file). */
  parked: number;
  /** Journaled writes being tried again: waiting for a parent row another journal holds, or refused for now. */
  waiting: number;
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
  /** Asks Postgres now if it was away (instead of at the next probe), then replays. True when it answered. */
  recover(): Promise<boolean>;
  /** Stops the timers, tries to flush the journal for up to `flushMs`, closes the journal. */
  close(flushMs?: number): Promise<void>;
}

/** Recent carrier-id → call-id answers kept for lookups while Postgres is away. */
const CALL_INDEX_LIMIT = 10_000;

/** How long a call's provisional ticket reference is remembered across instances (the journals drain well within it). */
const PROVISIONAL_CLAIM_MS = 7 * 24 * 3600_000;

export function resilientRecords(pg: CallRecords, opts: ResilientRecordsOptions): ResilientRecords {
  const log = opts.logger.child({ component: 'postgres-outbox', instance: opts.instance });
  const clock = opts.clock ?? (() => new Date());
  const timeoutMs = opts.timeoutMs ?? 5000;
  const probeMs = opts.probeMs ?? 1000;
  const refreshMs = opts.refreshMs ?? 60_000;
  // Enough for a busy line's whole outage; unused ones wait on disk for the next.
  const block = opts.referenceBlock ?? 250;
  const retryMs = opts.retryMs ?? 200;
  const maxRetryMs = opts.maxRetryMs ?? 30_000;
  const waitLimitMs = opts.waitLimitMs ?? 24 * 3600_000;
  const recordsOn = opts.recordsOn ?? pgCallRecords;
  const emit = opts.onEvent ?? (() => {});

  /** When Postgres last answered a call-path query (real time): see `patience`. */
  let answeredAt = Number.NEGATIVE_INFINITY;
  const patience: Patience = { answering: () => Date.now() - answeredAt < timeoutMs, maxMs: timeoutMs * 4 };
  /** A call-path query: any answer, a refusal included, shows Postgres is there. */
  function onPostgres<T>(p: Promise<T>, what: string): Promise<T> {
    const heard = p.then(
      (value) => {
        answeredAt = Date.now();
        return value;
      },
      (err: unknown) => {
        if (!isUnavailable(err)) answeredAt = Date.now();
        throw err;
      },
    );
    return withTimeout(heard, timeoutMs, what, patience);
  }

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
  // Parked writes stay parked until a person deals with the file: count what it holds.
  let parked = countLines(parkedPath);
  let closed = false;
  let draining: Promise<void> | null = null;
  /** A write was journaled while a drain was running: look again before sleeping. */
  let again = false;
  let probeTimer: NodeJS.Timeout | null = null;
  let refreshTimer: NodeJS.Timeout | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  /** Journaled writes being tried again, by entry id. `nextAt` is real time (a timer); `since` is on `clock`. */
  const retries = new Map<string, { tries: number; since: number; nextAt: number; refusal: Refusal }>();
  /** Journaled writes per call: while a call has one, its new writes queue behind it. */
  const pendingByCall = new Map<string, number>();
  const callIndex = new Map<string, string>();
  /** Tickets raised while Postgres was away, by call: the flow may ask again after a retry. */
  const provisional = new Map<string, { id: string; reference: string }>();
  for (const entry of journal.pending()) remember(entry.write);

  function remember(write: Write): void {
    if (write.op === 'openCall') indexCall(write.call.carrier, write.call.carrierCallId, write.call.id);
    if (write.op === 'createTicket') provisional.set(write.ticket.callId, { id: write.provisionalId, reference: write.reference });
    const call = callOf(write);
    if (call) pendingByCall.set(call, (pendingByCall.get(call) ?? 0) + 1);
  }

  function forget(write: Write): void {
    if (write.op === 'createTicket') provisional.delete(write.ticket.callId);
    const call = callOf(write);
    if (!call) return;
    const left = (pendingByCall.get(call) ?? 1) - 1;
    if (left > 0) pendingByCall.set(call, left);
    else pendingByCall.delete(call);
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
      probe().catch((err: unknown) => log.error({ err }, 'postgres probe failed'));
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

  /** Tries the journal now if Postgres is there (a write was journaled, a wait is over). */
  function kick(): void {
    if (closed || mode === 'down') return;
    if (draining) {
      again = true;
      return;
    }
    void drain();
  }

  /**
   * Applies what the journal holds, oldest first, each call's writes in order. Never
   * rejects: whatever goes wrong is logged and the journal is tried again later.
   */
  function drain(): Promise<void> {
    if (draining) return draining;
    if (mode === 'down' || journal.size === 0) {
      if (mode === 'draining') setMode('up');
      return Promise.resolve();
    }
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    draining = (async () => {
      setMode('draining');
      let applied = 0;
      for (;;) {
        again = false;
        const pass = await drainOnce();
        if (pass === 'down') return;
        applied += pass;
        if (journal.size === 0) break;
        if (pass === 0 && !again) {
          scheduleRetry();
          return;
        }
      }
      if (applied > 0) log.info({ applied }, 'outbox replayed: every journaled write is in postgres');
      setMode('up');
    })()
      .catch((err: unknown) => {
        log.error({ err }, 'outbox replay stopped by an error: trying again shortly');
        scheduleRetry();
      })
      .finally(() => {
        draining = null;
      });
    return draining;
  }

  /** One pass over the journal; the number of entries settled, or 'down'. */
  async function drainOnce(): Promise<number | 'down'> {
    const held = new Set<string>();
    let settled = 0;
    for (const entry of journal.pending()) {
      if (closed) return settled;
      const call = callOf(entry.write);
      // A call's later writes wait behind its earlier one.
      if (call && held.has(call)) continue;
      const retry = retries.get(entry.id);
      if (retry && retry.nextAt > Date.now()) {
        if (call) held.add(call);
        continue;
      }
      try {
        const fresh = await withTimeout(applyWrite(opts.db, entry.id, entry.write, recordsOn), timeoutMs * 2, 'postgres replay');
        emit({ type: 'replayed', op: entry.write.op, duplicate: !fresh });
      } catch (err) {
        if (isUnavailable(err)) {
          wentDown(err);
          return 'down';
        }
        const refusal = classifyRefusal(err);
        const waitedMs = retry ? clock().getTime() - retry.since : 0;
        if (refusal === 'permanent' || waitedMs >= waitLimitMs) {
          if (!(await park(entry, err, refusal === 'permanent' ? refusal : 'expired'))) {
            if (call) held.add(call);
            backOff(entry.id, retry, refusal);
            continue;
          }
        } else {
          backOff(entry.id, retry, refusal);
          if (!retry) emit({ type: 'waiting', op: entry.write.op });
          const tries = (retry?.tries ?? 0) + 1;
          // Every try at debug; the first and every tenth where an operator looks.
          log[tries % 10 === 1 ? 'warn' : 'debug'](
            { err, op: entry.write.op, callId: call, tries, refusal },
            refusal === 'waiting' ? 'journaled write waits for its parent row: trying again' : 'postgres refused a journaled write: trying again',
          );
          if (call) held.add(call);
          continue;
        }
      }
      settle(entry);
      settled += 1;
    }
    return settled;
  }

  function backOff(id: string, retry: { tries: number; since: number; refusal: Refusal } | undefined, refusal: Refusal): void {
    const tries = (retry?.tries ?? 0) + 1;
    const waitMs = Math.min(maxRetryMs, retryMs * 2 ** Math.min(tries - 1, 20));
    retries.set(id, { tries, since: retry?.since ?? clock().getTime(), nextAt: Date.now() + waitMs, refusal });
  }

  function scheduleRetry(): void {
    if (closed || mode === 'down' || retryTimer) return;
    let next = Infinity;
    for (const r of retries.values()) next = Math.min(next, r.nextAt);
    const delay = Number.isFinite(next) ? Math.max(0, next - Date.now()) : retryMs;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      kick();
    }, delay);
    retryTimer.unref();
  }

  /** The entry is in Postgres (or parked): off the journal. */
  function settle(entry: JournalEntry<Write>): void {
    retries.delete(entry.id);
    forget(entry.write);
    try {
      journal.ack(entry.id);
    } catch (err) {
      // Postgres has it under its claim: replaying it after a restart changes nothing.
      log.error({ err, op: entry.write.op, file: journal.path }, 'could not record a replayed write as done (disk full?): it is kept in memory as done');
    }
  }

  /** Sets a write that can never apply aside for a person, and says so; false if it could not be kept. */
  async function park(entry: JournalEntry<Write>, err: unknown, reason: Refusal | 'expired'): Promise<boolean> {
    const callId = callOf(entry.write);
    try {
      appendFileDurably(parkedPath, `${JSON.stringify({ ...entry, reason, error: String(err) })}\n`);
    } catch (fileErr) {
      log.error({ err: fileErr, op: entry.write.op, callId, file: parkedPath }, 'could not set a refused write aside (disk full?): it stays in the journal');
      return false;
    }
    parked += 1;
    emit({ type: 'parked', op: entry.write.op, reason });
    log.error(
      { err, op: entry.write.op, callId, reason, file: parkedPath },
      reason === 'expired' ? 'journaled write set aside: its parent row never arrived' : 'journaled write set aside: postgres can never accept it',
    );
    const text = `A ${entry.write.op} write${callId ? ` of call ${callId}` : ''} could not be saved and was set aside on ${opts.instance} (${reason}): see ${parkedPath}`;
    try {
      const { entry: feed } = await withTimeout(
        addFeedEntry(opts.db, { at: clock(), kind: 'outbox_parked', ticketId: null, reference: null, text, detail: { instance: opts.instance, op: entry.write.op, callId, reason, entryId: entry.id }, notificationId: null }),
        timeoutMs,
        'postgres feed entry',
      );
      await opts.live?.publish(FEED_CHANNEL, JSON.stringify({ type: 'feed', entry: feed }));
    } catch (feedErr) {
      log.warn({ err: feedErr }, 'parked write not put on the console feed');
    }
    return true;
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
        return await onPostgres(direct(), `postgres ${what}`);
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

  /** A write of this call is waiting in this instance's journal: the call's new writes queue behind it. */
  function queuedBehind(w: Write): boolean {
    const call = callOf(w);
    return call !== null && pendingByCall.has(call);
  }

  /**
   * `direct` is the plain write when it is idempotent by its own keys; null → applied
   * under its claim. Straight to Postgres when it is there and nothing of the call's
   * is queued here; into the journal when Postgres is away, or when the write's parent
   * row is not in Postgres yet (another instance's journal holds it).
   */
  async function write(w: Write, direct: (() => Promise<unknown>) | null): Promise<void> {
    await place(w, direct);
  }

  /** Writes now, or journals for the replay: true when the write is in Postgres now. */
  async function place(w: Write, direct: (() => Promise<unknown>) | null): Promise<boolean> {
    if (closed) throw new StoreUnavailableError('the call records are closed');
    const id = randomUUID();
    if (mode !== 'down' && !queuedBehind(w)) {
      try {
        await onPostgres(direct ? direct() : applyWrite(opts.db, id, w, recordsOn), `postgres ${w.op}`);
        return true;
      } catch (err) {
        if (isUnavailable(err)) wentDown(err);
        else if (!(await parentMissing(w, err))) throw err;
      }
    }
    journalWrite(id, w);
    return false;
  }

  /** After a refusal on the call path: true when it was for a parent row still on its way. */
  async function parentMissing(w: Write, err: unknown): Promise<boolean> {
    if (classifyRefusal(err) === 'waiting') return true;
    try {
      const missing = await withTimeout(missingParent(opts.db, w), timeoutMs, 'postgres parent check');
      if (missing) log.info({ op: w.op, callId: callOf(w), missing }, 'write waits in the outbox for its parent row');
      return missing !== null;
    } catch (checkErr) {
      if (!isUnavailable(checkErr)) return false;
      wentDown(checkErr);
      return true;
    }
  }

  /**
   * The reference a call's ticket is given while Postgres cannot give one: from this
   * instance's reserved block, unless another instance already gave this call one
   * (a step retried there) — one reference per call, whichever instance is asked.
   */
  async function provisionalReference(callId: string): Promise<string> {
    const mine = refs.take();
    if (mine === null) throw new StoreUnavailableError('postgres is unreachable and no reserved ticket reference is left');
    if (!opts.live) return mine;
    let held = mine;
    try {
      held = await opts.live.claim(`ticket-reference:${callId}`, mine, PROVISIONAL_CLAIM_MS);
    } catch (err) {
      log.warn({ err, callId }, 'could not share the provisional ticket reference: this instance alone knows it');
    }
    if (held !== mine) refs.putBack(mine);
    return held;
  }

  function journalWrite(id: string, w: Write): void {
    try {
      journal.append({ id, write: w, at: clock().toISOString() });
    } catch (err) {
      log.error({ err, op: w.op, callId: callOf(w), file: journal.path }, 'could not journal a write (disk full?): it is lost');
      throw err;
    }
    remember(w);
    emit({ type: 'journaled', op: w.op });
    kick();
  }

  const records: ResilientRecords = {
    async start() {
      await refresh();
      scheduleRefresh();
      if (journal.size > 0) {
        log.warn({ outbox: journal.size }, 'outbox journal left by a previous run: replaying it');
        kick();
      }
    },

    status() {
      const head = journal.head();
      return {
        mode,
        outbox: journal.size,
        oldestWaitingAt: head?.at ?? null,
        parked,
        waiting: retries.size,
        downSince: downSince?.toISOString() ?? null,
        snapshotAt: snapshot?.loadedAt.toISOString() ?? null,
        reservedReferences: refs.size,
        lastError,
      };
    },

    drain,

    async recover() {
      if (mode === 'down') await probe();
      else await drain();
      return mode !== 'down';
    },

    async close(flushMs = 5000) {
      if (closed) return;
      if (probeTimer) clearTimeout(probeTimer);
      if (refreshTimer) clearTimeout(refreshTimer);
      if (retryTimer) clearTimeout(retryTimer);
      probeTimer = null;
      refreshTimer = null;
      retryTimer = null;
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

    announcementsAround(at: Date) {
      // Not cached: without Postgres the line goes on without announcements rather than stall.
      return read('announcements', () => pg.announcementsAround(at), () => []);
    },

    dialledProfile(to: string) {
      // No cached copy: without Postgres the call service takes the main line.
      return read('dialled number', () => pg.dialledProfile(to), null);
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

    callClosed(callId: string) {
      // No cached copy: the journal's closes are not read back, and a guess could say a
      // message was logged when it was not. The caller tries again once Postgres is back.
      return read('call closed', () => pg.callClosed(callId), null);
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
      const id = randomUUID();
      const w: Write = { op: 'createTicket', ticket, at: at.toISOString(), reference: '', provisionalId: provisionalTicketId(ticket.callId) };
      if (mode !== 'down' && !queuedBehind(w)) {
        try {
          return await onPostgres(createTicketUnderClaim(opts.db, id, ticket, at, recordsOn), 'postgres createTicket');
        } catch (err) {
          if (isUnavailable(err)) wentDown(err);
          else if (!(await parentMissing(w, err))) throw err;
        }
      }
      const reference = await provisionalReference(ticket.callId);
      const journaled: Write = { ...w, reference };
      journalWrite(id, journaled);
      return { id: w.provisionalId, reference };
    },

    markResponded(ticketId, by, at) {
      const w: Write = { op: 'markResponded', ticketId, by, at: at.toISOString() };
      // Idempotent by itself (responded once); a provisional id needs the claimed path, which resolves it.
      return write(w, provisionalCall(ticketId) ? null : () => pg.markResponded(ticketId, by, at));
    },

    async flagTicket(ticketId, flag, at) {
      await write({ op: 'flagTicket', ticketId, flag, at: at.toISOString() }, null);
    },

    // Journaled, the duty manager is told when Postgres is back (the replay queues the
    // alert); the caller is told only what is true now.
    escalationFailed(ticketId, at) {
      return place({ op: 'flagTicket', ticketId, flag: 'escalation_failed', at: at.toISOString() }, null);
    },

    attachRecording(ticketId, recordingName, at) {
      return write({ op: 'attachRecording', ticketId, recordingName, at: at.toISOString() }, null);
    },

    textCaller(ticketId, phone, text, at) {
      return write({ op: 'textCaller', ticketId, phone, text, at: at.toISOString() }, null);
    },

    auditPinFailure(detail) {
      return write({ op: 'auditPinFailure', detail: { ...detail, at: detail.at.toISOString() } }, null);
    },
  };
  return records;
}
