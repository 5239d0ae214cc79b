// Prometheus metrics for the people who run the line: calls by route and outcome,
// escalation legs, SLA warnings and breaches, Twilio webhook latency, the Asterisk
// connection, and the degraded modes (outbox depth, Postgres and Redis reachable).
// One registry per line (not prom-client's global one), so several lines in one
// process — the tests' two instances — each count their own.
import type { RequestHandler } from 'express';
import client from 'prom-client';
import type { CallRecords } from './calls/records.ts';
import type { ResilienceEvent } from './resilience/records.ts';
import type { Resilience } from './resilience/stores.ts';

/** What the Asterisk carrier reports about its connection (src/carriers/ari/carrier.ts `status()`). */
export interface CarrierStatus {
  state: string;
  reconnects: number;
}

export interface MetricsSources {
  resilience: () => Resilience;
  /** The Asterisk carrier, when one runs. */
  asterisk?: () => CarrierStatus | null;
}

export interface Metrics {
  readonly registry: client.Registry;
  /** The call records, counting each call's end and each escalation leg's outcome as the call service writes them. */
  observe(records: CallRecords): CallRecords;
  slaActed(warned: number, breached: number): void;
  /** Times every request under the mount it is used at (the Twilio webhooks). */
  webhookTimer(): RequestHandler;
  resilienceEvent(event: ResilienceEvent): void;
  /** A promise rejection nothing handled (src/safety-net.ts). */
  unhandledRejection(): void;
  /** Tells the gauges where to read from (once the line exists). */
  watch(sources: MetricsSources): void;
}

/** The Twilio webhook routes (src/http/twilio/router.ts): the only route labels the histogram takes. */
const WEBHOOK_ROUTES: ReadonlySet<string> = new Set([
  'voice',
  'sip-result',
  'step',
  'screen',
  'screen-result',
  'desk-answer',
  'status',
  'recording-status',
  'safe',
]);

export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new client.Registry();
  if (opts.defaults ?? true) client.collectDefaultMetrics({ register: registry, prefix: 'support_line_' });
  let sources: MetricsSources | null = null;

  const calls = new client.Counter({
    name: 'support_line_calls_total',
    help: 'Calls ended, by route (desk, oncall, voicemail, none) and outcome',
    labelNames: ['route', 'outcome'] as const,
    registers: [registry],
  });
  const legs = new client.Counter({
    name: 'support_line_escalation_legs_total',
    help: 'Engineers rung on the on-call ladder, by what came of it (accepted, declined, no_answer, no_key, busy, failed, locked)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const warnings = new client.Counter({ name: 'support_line_sla_warnings_total', help: 'SLA warnings recorded (75% of a target gone) by this instance', registers: [registry] });
  const breaches = new client.Counter({ name: 'support_line_sla_breaches_total', help: 'SLA breaches recorded by this instance', registers: [registry] });
  const webhooks = new client.Histogram({
    name: 'support_line_twilio_webhook_duration_seconds',
    help: 'Time to answer a Twilio webhook, by route and HTTP status',
    labelNames: ['route', 'status'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const journaled = new client.Counter({
    name: 'support_line_outbox_journaled_total',
    help: 'Writes put in the outbox journal because Postgres was unreachable, by kind',
    labelNames: ['op'] as const,
    registers: [registry],
  });
  const replayed = new client.Counter({
    name: 'support_line_outbox_replayed_total',
    help: 'Journaled writes applied to Postgres, by kind; duplicate="true" when Postgres already had it',
    labelNames: ['op', 'duplicate'] as const,
    registers: [registry],
  });
  const parkedTotal = new client.Counter({
    name: 'support_line_outbox_parked_total',
    help: 'Journaled writes that can never apply, set aside in <instance>.parked.jsonl for a person, by kind and why (permanent: refused for what it is; expired: its parent row never came)',
    labelNames: ['op', 'reason'] as const,
    registers: [registry],
  });
  const waitedTotal = new client.Counter({
    name: 'support_line_outbox_waited_total',
    help: 'Journaled writes that had to wait and be tried again (their parent row in another instance journal, or refused for now), by kind',
    labelNames: ['op'] as const,
    registers: [registry],
  });
  const unhandledRejections = new client.Counter({
    name: 'support_line_unhandled_rejections_total',
    help: 'Promise rejections nothing handled (logged; the process carries on): each one is a bug to fix',
    registers: [registry],
  });
  const fallbackReads = new client.Counter({
    name: 'support_line_cached_reads_total',
    help: 'Routing reads answered from the cached copy because Postgres was unreachable',
    labelNames: ['read'] as const,
    registers: [registry],
  });

  new client.Gauge({
    name: 'support_line_outbox_depth',
    help: 'Writes waiting in the outbox journal for Postgres',
    registers: [registry],
    collect() {
      this.set(sources?.resilience().postgres?.status().outbox ?? 0);
    },
  });
  new client.Gauge({
    name: 'support_line_outbox_parked',
    help: 'Writes in <instance>.parked.jsonl waiting for a person (alert on > 0)',
    registers: [registry],
    collect() {
      this.set(sources?.resilience().postgres?.status().parked ?? 0);
    },
  });
  new client.Gauge({
    name: 'support_line_outbox_waiting_writes',
    help: 'Journaled writes being tried again with backoff, mostly waiting for a parent row another instance has yet to replay',
    registers: [registry],
    collect() {
      this.set(sources?.resilience().postgres?.status().waiting ?? 0);
    },
  });
  new client.Gauge({
    name: 'support_line_outbox_oldest_seconds',
    help: 'Age of the oldest write waiting in the outbox (0 when empty)',
    registers: [registry],
    collect() {
      const oldest = sources?.resilience().postgres?.status().oldestWaitingAt;
      this.set(oldest ? Math.max(0, (Date.now() - Date.parse(oldest)) / 1000) : 0);
    },
  });
  new client.Gauge({
    name: 'support_line_reserved_ticket_references',
    help: 'Ticket references held in reserve for tickets raised while Postgres is unreachable',
    registers: [registry],
    collect() {
      this.set(sources?.resilience().postgres?.status().reservedReferences ?? 0);
    },
  });
  new client.Gauge({
    name: 'support_line_postgres_up',
    help: '1 when Postgres answers the call path, 0 while the line runs on its cached copy and outbox',
    registers: [registry],
    collect() {
      this.set(sources?.resilience().postgres?.status().mode === 'down' ? 0 : 1);
    },
  });
  new client.Gauge({
    name: 'support_line_redis_up',
    help: '1 when Redis answers, 0 while live state is per instance',
    registers: [registry],
    collect() {
      this.set(sources?.resilience().redis?.status().mode === 'down' ? 0 : 1);
    },
  });
  new client.Gauge({
    name: 'support_line_asterisk_connected',
    help: '1 while the ARI event socket is connected (absent without ARI_URL)',
    registers: [registry],
    collect() {
      const s = sources?.asterisk?.();
      if (s) this.set(s.state === 'connected' ? 1 : 0);
    },
  });
  new client.Counter({
    name: 'support_line_asterisk_reconnects_total',
    help: 'Times the ARI event socket was connected again after losing Asterisk',
    registers: [registry],
    collect() {
      const s = sources?.asterisk?.();
      // Kept by the carrier; exposed as a counter by setting it to the carrier's count.
      this.reset();
      if (s) this.inc(s.reconnects);
    },
  });

  return {
    registry,

    observe(records: CallRecords): CallRecords {
      return {
        ...records,
        // Spread keeps the other methods bound to their object only if they are plain functions: they are (a port of closures).
        async closeCall(callId, end) {
          await records.closeCall(callId, end);
          calls.inc({ route: end.route ?? 'none', outcome: end.outcome });
        },
        async appendTimeline(entries) {
          await records.appendTimeline(entries);
          for (const e of entries) {
            if (e.type === 'engineer-result') legs.inc({ outcome: String(e.detail['outcome'] ?? 'unknown') });
          }
        },
      };
    },

    slaActed(warned, breached) {
      if (warned > 0) warnings.inc(warned);
      if (breached > 0) breaches.inc(breached);
    },

    webhookTimer(): RequestHandler {
      return (req, res, next) => {
        const end = webhooks.startTimer();
        res.once('finish', () => {
          // Labels from a fixed set only: any path an outsider makes up is 'other', so
          // unsigned requests cannot grow the series (and the memory) without bound.
          const name = req.path.slice(1);
          const route = WEBHOOK_ROUTES.has(name) ? name : req.path.startsWith('/prompts/') ? 'prompts' : 'other';
          end({ route, status: String(res.statusCode) });
        });
        next();
      };
    },

    unhandledRejection() {
      unhandledRejections.inc();
    },

    resilienceEvent(event) {
      switch (event.type) {
        case 'journaled':
          journaled.inc({ op: event.op });
          return;
        case 'replayed':
          replayed.inc({ op: event.op, duplicate: String(event.duplicate) });
          return;
        case 'parked':
          parkedTotal.inc({ op: event.op, reason: event.reason });
          return;
        case 'waiting':
          waitedTotal.inc({ op: event.op });
          return;
        case 'fallback-read':
          fallbackReads.inc({ read: event.read });
          return;
        case 'mode':
          return;
      }
    },

    watch(next) {
      sources = next;
    },
  };
}
