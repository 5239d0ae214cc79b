// The SLA watcher: warns at 75% of a target's time and records the breach at
// 100%, for every running timer, exactly once across any number of instances.
//
// Each tick claims the timers whose next_fire_at has come (`for update skip
// locked`, from the partial index on next_fire_at), and in the same transaction
// records the warning or breach, moves next_fire_at on (warning → due time,
// breach → none) and queues the notifications in the outbox. A timer another
// watcher holds is skipped, and once committed its next_fire_at is no longer due,
// so no instance, and no restart, fires it twice. Running, the watcher ticks every
// `intervalSeconds` and sooner when the next timer falls due before that.
import type { Logger } from 'pino';
import { earnsServiceCredit } from '../domain/sla/policy.ts';
import { decide } from '../domain/sla/watch.ts';
import { ADR_TASK_TITLE, type AlertPayload } from '../domain/tickets/alerts.ts';
import type { Component, Line } from '../runtime.ts';
import { queueAlerts, type Alert, type AlertRouting } from '../notify/outbox.ts';
import type { Db } from '../store/db.ts';
import { claimDueTimers, earliestNextFire, saveTimer } from '../store/sla-timers.ts';
import { addTicketEvent, alertTickets, openTask } from '../store/ticket-lifecycle.ts';
import { queueCustomerText, textableMobile } from '../store/customer-texts.ts';
import { adrNoticeText } from '../domain/tickets/customer-text.ts';
import { routingFromConfig } from '../notify/channels.ts';

export interface SlaWatcherOptions {
  db: Db;
  clock: () => Date;
  /** Who is told, on which channels. */
  notify: AlertRouting;
  logger: Logger;
  /** The longest the running watcher waits between ticks (SLA_WATCH_INTERVAL_SECONDS). */
  intervalSeconds: number;
  /** Timers claimed per transaction. */
  batchSize?: number;
  /** Told after a tick queued notifications (wakes the notifier). */
  onQueued?: () => void;
  /** Told what a tick did (metrics). */
  onActed?: (result: TickResult) => void;
}

export interface TickResult {
  warned: number;
  breached: number;
  /** Claimed but nothing to do (met or moved since; their next_fire_at is put right). */
  skipped: number;
  queued: number;
}

export interface SlaWatcher {
  /** One pass at `now`: everything due by then is acted on. What the tests call. */
  tick(now: Date): Promise<TickResult>;
  start(): void;
  stop(): Promise<void>;
  /** When the last tick ended, and how it went (for /readyz). */
  lastTick(): { at: Date | null; error: string | null };
}

const WATCHER = 'worker:sla';
/** Batches per tick: enough for a backlog after downtime, bounded so one tick ends. */
const MAX_BATCHES = 50;

export function createSlaWatcher(opts: SlaWatcherOptions): SlaWatcher {
  const batchSize = opts.batchSize ?? 100;
  const log = opts.logger.child({ worker: 'sla-watcher' });
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  let last: { at: Date | null; error: string | null } = { at: null, error: null };

  async function claimBatch(now: Date): Promise<TickResult & { claimed: number }> {
    return opts.db.tx(async (tx) => {
      const result = { warned: 0, breached: 0, skipped: 0, queued: 0, claimed: 0 };
      const due = await claimDueTimers(tx, now, batchSize);
      result.claimed = due.length;
      if (due.length === 0) return result;
      const tickets = await alertTickets(tx, due.map((t) => t.ticketId));
      const alerts: Alert[] = [];
      for (const t of due) {
        const decision = decide(t, now);
        const ticket = tickets.get(t.ticketId)!;
        if (decision.kind === 'none') {
          await saveTimer(tx, { ...t, nextFireAt: decision.nextFireAt }, now);
          result.skipped += 1;
          continue;
        }
        let serviceCredit: boolean | null = null;
        if (decision.kind === 'warn') {
          await saveTimer(tx, { ...t, warnedAt: now, nextFireAt: decision.nextFireAt }, now);
          result.warned += 1;
        } else {
          serviceCredit = earnsServiceCredit(ticket.tier, t.target);
          await saveTimer(tx, { ...t, state: 'breached', breachedAt: decision.breachedAt, serviceCredit, nextFireAt: null }, now);
          if (decision.alert === 'adr_task') {
            await openTask(tx, t.ticketId, 'adr_notice', ADR_TASK_TITLE, now);
            await queueAdrNotice(tx, ticket, opts.notify.sms, now);
          }
          result.breached += 1;
        }
        const stage = decision.kind === 'warn' ? 'warning' : 'breach';
        await addTicketEvent(tx, t.ticketId, now, WATCHER, `sla_${stage}`, {
          target: t.target,
          dueAt: t.dueAt?.toISOString() ?? null,
          ...(decision.kind === 'breach' ? { serviceCredit, alert: decision.alert } : {}),
        });
        const payload: AlertPayload = {
          kind: decision.alert,
          target: t.target,
          ticket: { id: ticket.id, reference: ticket.reference, kind: ticket.kind, tier: ticket.tier, priority: ticket.priority },
          account: ticket.account,
          dueAt: t.dueAt!.toISOString(),
          at: now.toISOString(),
          serviceCredit,
        };
        alerts.push({ payload, ticketId: t.ticketId, timerId: t.id, eventKey: `timer:${t.id}:${stage}:${now.toISOString()}` });
      }
      result.queued = await queueAlerts(tx, alerts, opts.notify, now);
      return result;
    });
  }

  async function tick(now: Date): Promise<TickResult> {
    const total: TickResult = { warned: 0, breached: 0, skipped: 0, queued: 0 };
    for (let i = 0; i < MAX_BATCHES; i++) {
      const r = await claimBatch(now);
      total.warned += r.warned;
      total.breached += r.breached;
      total.skipped += r.skipped;
      total.queued += r.queued;
      if (r.claimed < batchSize) break;
    }
    if (total.warned + total.breached > 0) log.info({ ...total, at: now.toISOString() }, 'SLA watcher acted');
    opts.onActed?.(total);
    if (total.queued > 0) opts.onQueued?.();
    return total;
  }

  /** How long to sleep: the interval, or less when a timer falls due sooner. */
  async function nextDelayMs(): Promise<number> {
    const interval = opts.intervalSeconds * 1000;
    const next = await earliestNextFire(opts.db);
    if (next === null) return interval;
    // At least a second: a timer another instance holds stays "due" until it commits.
    return Math.max(1000, Math.min(interval, next.getTime() - opts.clock().getTime()));
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = loop();
    }, ms);
  }

  async function loop(): Promise<void> {
    let delay = opts.intervalSeconds * 1000;
    try {
      await tick(opts.clock());
      last = { at: opts.clock(), error: null };
      delay = await nextDelayMs();
    } catch (err) {
      last = { at: opts.clock(), error: (err as Error).message };
      log.error({ err }, 'SLA watcher tick failed; trying again at the next interval');
    }
    schedule(delay);
  }

  return {
    tick,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    lastTick: () => last,
  };
}

/** The watcher as a part of a running line (SLA_WATCH_INTERVAL_SECONDS, DUTY_MANAGER_PHONE, the channels). */
export function slaWatcherComponent(line: Line, extra: { onQueued?: () => void } = {}): Component & { watcher: SlaWatcher } {
  const intervalSeconds = line.config.SLA_WATCH_INTERVAL_SECONDS;
  const watcher = createSlaWatcher({
    db: line.db,
    clock: line.clock,
    notify: routingFromConfig(line.config),
    logger: line.logger,
    intervalSeconds,
    onActed: (r) => line.metrics.slaActed(r.warned, r.breached),
    ...(extra.onQueued ? { onQueued: extra.onQueued } : {}),
  });
  watcher.start();
  return {
    name: 'sla-watcher',
    watcher,
    checks: () => [
      {
        name: 'sla-watcher',
        // Timers live in Postgres and the watcher catches up when it can tick again: a failing
        // watcher (Postgres away, shared by every instance) must not take the instance out of
        // the load balancer, or every instance goes and callers reach nobody.
        optional: true,
        async run() {
          const { at, error } = watcher.lastTick();
          if (error) return { ok: false, detail: `last tick failed: ${error}` };
          // Two missed intervals means the loop has stalled.
          if (at && line.clock().getTime() - at.getTime() > 2 * intervalSeconds * 1000 + 5000) {
            return { ok: false, detail: `no tick since ${at.toISOString()}` };
          }
          return { ok: true, detail: at ? `last tick ${at.toISOString()}` : 'starting' };
        },
      },
    ],
    stop: () => watcher.stop(),
  };
}

/**
 * At 8 weeks the customer is told of their right to ADR (seed 002): by text to the
 * account's mobile when SMS is configured, else the letter's words are left on the
 * ticket for the handler to send. Either way the ticket says what was queued, and the
 * handler's task stays until they record it (tickets adr-done).
 */
async function queueAdrNotice(tx: Db, ticket: { id: string; reference: string }, sms: boolean, now: Date): Promise<void> {
  const text = adrNoticeText(ticket.reference);
  const mobile = sms ? await textableMobile(tx, ticket.id) : null;
  if (mobile) await queueCustomerText(tx, { kind: 'adr_notice', ticketId: ticket.id, phone: mobile, text, at: now });
  await addTicketEvent(tx, ticket.id, now, WATCHER, mobile ? 'adr_notice_texted' : 'adr_letter_due', { text, ...(mobile ? { to: mobile } : {}) });
}
