// The notifier: delivers the outbox. Each tick leases the notifications due
// (`for update skip locked`, so instances share the work), delivers them outside
// any transaction, and records each outcome: sent, or failed and tried again
// after 30 s × 2^(failures − 1), at most an hour apart, for as long as it takes —
// a notification is never dropped, only acknowledged. A breach or escalation SMS
// pages again every 15 minutes, three more times, until someone acknowledges it.
import type { Logger } from 'pino';
import type { Component, Line } from '../runtime.ts';
import { channelsFromConfig } from '../notify/channels.ts';
import { deliveryError, type ChannelSender } from '../notify/types.ts';
import type { Db } from '../store/db.ts';
import {
  earliestNotification,
  leaseDueNotifications,
  recordFailed,
  recordSent,
  type Channel,
  type NotificationRecord,
} from '../store/notifications.ts';

export const RETRY_BASE_MS = 30_000;
export const RETRY_CAP_MS = 3_600_000;

/** How long after its `failures`-th failure in a row a notification is tried again. */
export function retryDelayMs(failures: number): number {
  return Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));
}

export interface RepeatPolicy {
  /** Minutes between pages; 0 turns repeats off. */
  everyMinutes: number;
  /** Pages after the first. */
  times: number;
}

export const DEFAULT_REPEAT: RepeatPolicy = { everyMinutes: 15, times: 3 };

export interface NotifierOptions {
  db: Db;
  clock: () => Date;
  channels: readonly ChannelSender[];
  logger: Logger;
  intervalSeconds: number;
  batchSize?: number;
  /** How long a leased notification is hidden from other notifiers (longer than any delivery takes). */
  leaseSeconds?: number;
  repeat?: RepeatPolicy;
}

export interface DeliveryResult {
  sent: number;
  failed: number;
}

export interface Notifier {
  tick(now: Date): Promise<DeliveryResult>;
  /** Deliver soon: the watcher has queued something. */
  kick(): void;
  start(): void;
  stop(): Promise<void>;
}

const MAX_BATCHES = 20;

export function createNotifier(opts: NotifierOptions): Notifier {
  const batchSize = opts.batchSize ?? 20;
  const leaseMs = (opts.leaseSeconds ?? 120) * 1000;
  const repeat = opts.repeat ?? DEFAULT_REPEAT;
  const senders = new Map<Channel, ChannelSender>(opts.channels.map((c) => [c.channel, c]));
  const log = opts.logger.child({ worker: 'notifier' });
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;

  function repeatAt(n: NotificationRecord, now: Date): Date | null {
    const pages = n.channel === 'sms' && (n.kind === 'breach' || n.kind === 'escalation' || n.kind === 'escalation_failed');
    // A customer nobody has called back: paged until someone acknowledges it, not just `times`.
    const capped = n.kind !== 'escalation_failed' && n.sends + 1 > repeat.times;
    if (!pages || repeat.everyMinutes <= 0 || capped) return null;
    return new Date(now.getTime() + repeat.everyMinutes * 60_000);
  }

  async function deliver(n: NotificationRecord, now: Date): Promise<boolean> {
    const sender = senders.get(n.channel);
    try {
      if (!sender) throw new Error(`no ${n.channel} channel is configured on this instance`);
      await sender.deliver(n, now);
    } catch (err) {
      const retry = new Date(now.getTime() + retryDelayMs(n.failures + 1));
      const why = deliveryError(err);
      await recordFailed(opts.db, n, why, retry);
      log.warn({ notificationId: n.id, channel: n.channel, attempt: n.attempts, retryAt: retry.toISOString(), why }, 'notification not delivered; will retry');
      return false;
    }
    await recordSent(opts.db, n, now, repeatAt(n, now));
    return true;
  }

  async function tick(now: Date): Promise<DeliveryResult> {
    const result = { sent: 0, failed: 0 };
    for (let i = 0; i < MAX_BATCHES; i++) {
      const due = await leaseDueNotifications(opts.db, now, batchSize, leaseMs);
      const outcomes = await Promise.all(due.map((n) => deliver(n, now)));
      for (const ok of outcomes) result[ok ? 'sent' : 'failed'] += 1;
      if (due.length < batchSize) break;
    }
    return result;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      running = loop();
    }, ms);
  }

  async function loop(): Promise<void> {
    let delay = opts.intervalSeconds * 1000;
    try {
      await tick(opts.clock());
      const next = await earliestNotification(opts.db);
      if (next) delay = Math.max(1000, Math.min(delay, next.getTime() - opts.clock().getTime()));
    } catch (err) {
      log.error({ err }, 'notifier tick failed; trying again at the next interval');
    }
    schedule(delay);
  }

  return {
    tick,
    kick() {
      // A tick in progress will be followed by another; an idle loop wakes now.
      if (!stopped && timer) schedule(0);
    },
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
  };
}

/** The notifier as a part of a running line, on the channels its config enables. */
export function notifierComponent(line: Line): Component & { notifier: Notifier } {
  const notifier = createNotifier({
    db: line.db,
    clock: line.clock,
    channels: channelsFromConfig(line.config, { db: line.db, live: line.live, logger: line.logger }),
    logger: line.logger,
    intervalSeconds: line.config.SLA_WATCH_INTERVAL_SECONDS,
  });
  notifier.start();
  return { name: 'notifier', notifier, stop: () => notifier.stop() };
}
