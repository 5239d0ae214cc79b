// The shape of bench/results.json, and a schema to check a run produced it whole
// (the smoke test's job: the harness works, whatever the numbers).
import { z } from 'zod';
import type { SectionName } from './context.ts';
import type { Machine } from './machine.ts';
import type { ProfileSummary } from './profile.ts';
import type { AriResult } from './sections/ari.ts';
import type { AsteriskResult } from './sections/asterisk.ts';
import type { BurstResult } from './sections/burst.ts';
import type { DbResult } from './sections/db.ts';
import type { FlowResult } from './sections/flow.ts';
import type { SlaResult } from './sections/sla.ts';
import type { TwilioResult } from './sections/twilio.ts';

interface Ran {
  ranAt: string;
  seconds: number;
  smoke: boolean;
  /** The machine's 1-minute load average as the section started and ended (2 cores: above 2, it was shared). */
  loadAverage: [number, number];
}

export type SectionOutcome<T> = (Ran & { status: 'ok'; result: T }) | (Ran & { status: 'failed'; error: string });

export interface Target {
  id: string;
  section: SectionName;
  what: string;
  target: string;
  measured: string;
  /** The figure before issue 14's work (bench/results.md of 2026-11-21) and this run's ratio to it. */
  baseline?: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

export interface BenchResults {
  version: 1;
  smoke: boolean;
  command: string;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  machine: Machine;
  sections: {
    flow?: SectionOutcome<FlowResult>;
    ari?: SectionOutcome<AriResult>;
    twilio?: SectionOutcome<TwilioResult>;
    sla?: SectionOutcome<SlaResult>;
    db?: SectionOutcome<DbResult>;
    asterisk?: SectionOutcome<AsteriskResult>;
    burst?: SectionOutcome<BurstResult>;
  };
  targets: Target[];
  /** For each missed target: a CPU profile summed up, or why there is none. */
  profiles: Record<string, ProfileSummary | { note: string }>;
}

// ---------------------------------------------------------------------------------
// The schema: every figure a number, every section there and whole.

const n = z.number().finite().nonnegative();
const summary = z.object({ count: n, p50: n, p95: n, p99: n, max: n, mean: n });
const outcome = <T extends z.ZodType>(result: T) =>
  z.discriminatedUnion('status', [
    z.object({ status: z.literal('ok'), ranAt: z.string(), seconds: n, smoke: z.boolean(), loadAverage: z.tuple([n, n]), result }),
    z.object({ status: z.literal('failed'), ranAt: z.string(), seconds: n, smoke: z.boolean(), loadAverage: z.tuple([n, n]), error: z.string() }),
  ]);

const flow = z.object({
  scenario: z.string().min(1),
  transitionsPerCall: n,
  commandsPerCall: n,
  calls: n,
  transitionsPerSecond: n,
  microsPerTransition: n,
  microsPerCall: n,
  rounds: z.array(n).min(1),
  stateBytes: n,
});

const ari = z.object({
  levels: z
    .array(
      z.object({
        calls: n,
        keyToCommandMs: summary,
        byQuestion: z.record(z.string(), summary),
        completedPerSecond: n,
        heapPerCallKB: z.number().finite(),
        rssPerCallKB: z.number().finite(),
        errors: z.number().int(),
      }),
    )
    .min(1),
  arrivalsPerSecond: n,
  hangup: z.object({ calls: n, seconds: n, endedPerSecond: n }),
  errors: z.object({ failedCalls: n, simulatorViolations: n, lineWarnings: n, examples: z.array(z.string()) }),
});

const httpRun = z.object({
  route: z.string(),
  connections: n,
  requests: n,
  perSecond: n,
  latencyMs: z.object({ p50: n, p90: n, p99: n, max: n, mean: n }),
  non2xx: n,
  errors: n,
});

const twilio = z.object({
  voice: httpRun,
  gather: httpRun,
  ceiling: httpRun,
  ratio: z.object({ gather: n, voice: n }),
  signatures: z.literal('checked'),
  wrongAnswers: z.number().int(),
});

const sla = z.object({
  cases: n,
  ours: z.object({ perSecond: n, microsEach: n, firstPassMs: n, computations: n }),
  library: z.object({ name: z.string(), perSecond: n, microsEach: n, computations: n }),
  ratio: n,
  agreement: z.object({ same: n, sameWorkingInstant: n, explained: n, unexplained: n, explanations: z.record(z.string(), n), examples: z.array(z.object({ explanation: z.string() })) }),
});

const query = z.object({
  name: z.string(),
  rowsReturned: n,
  latencyMs: summary,
  plan: z.object({ text: z.string().min(1), indexes: z.array(z.string()), seqScans: z.array(z.string()), executionMs: n.nullable() }),
});

const db = z.object({
  database: z.string(),
  rows: z.record(z.string(), n),
  anchor: z.string(),
  callLog: z.array(query).min(1),
  dueQuery: z.array(query).min(1),
});

const asteriskRun = z.object({ completed: n, failed: n, all: summary, byStep: z.record(z.string(), summary) });
const asterisk = z.union([
  z.object({ skipped: z.string().min(1) }),
  z.object({
    skipped: z.null(),
    version: z.string(),
    levels: z.array(z.object({ callers: n, line: asteriskRun, dialplan: asteriskRun })).min(1),
    engineerRing: z.object({ samples: z.array(n), summary }),
  }),
]);

const burst = z.object({
  callers: n,
  arrivalSeconds: n,
  heardAnnouncement: n,
  announcementMs: summary,
  greetingMs: n,
  joined: n,
  messages: n,
  deskWaitSeconds: summary,
  overflowSeconds: n,
  errors: z.object({ failedCalls: n, simulatorViolations: n, examples: z.array(z.string()) }),
  loadAverage: n,
});

export const benchResultsSchema = z.object({
  version: z.literal(1),
  smoke: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  seconds: n,
  machine: z.object({ node: z.string(), cpu: z.string(), cores: n, memoryGB: n, postgres: z.string(), redis: z.string() }),
  sections: z.object({
    flow: outcome(flow).optional(),
    ari: outcome(ari).optional(),
    twilio: outcome(twilio).optional(),
    sla: outcome(sla).optional(),
    db: outcome(db).optional(),
    asterisk: outcome(asterisk).optional(),
    burst: outcome(burst).optional(),
  }),
  targets: z.array(z.object({ id: z.string(), what: z.string(), target: z.string(), measured: z.string(), met: z.boolean().nullable() })),
  profiles: z.record(z.string(), z.unknown()),
});
