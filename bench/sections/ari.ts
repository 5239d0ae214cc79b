// 2. Calls over ARI: the real ARI carrier and call service in a line process of their
// own, on Postgres and Redis, taking calls from the simulated Asterisk in this
// process. Calls arrive at a steady rate and stay connected to the desk, so the
// calls in progress climb a staircase (100, 500, 1,000, 2,000); at each step the
// arrivals pause, the line is weighed (heap and RSS after a full GC), and the key
// presses made on the way up are that step's latencies.
import os from 'node:os';
import { hashSecret, verifySecret } from '../../src/store/hashing.ts';
import { hashPin, verifyPin } from '../../src/store/pin-hash.ts';
import { FakeAsterisk } from '../../test/support/fake-asterisk/server.ts';
import type { SectionContext } from '../context.ts';
import { measureRingFirst } from '../ari/ring-first.ts';
import { measureTwilioRingFirst } from '../twilio/ring-first.ts';
import { CallLoad, type KeySample } from '../ari/callers.ts';
import { RealTimeClock } from '../ari/real-clock.ts';
import { loopMonitor } from '../line/loop-delay.ts';
import { startLineProcess, type LineProcess } from '../line/process.ts';
import type { LoopDelay } from '../line/protocol.ts';
import { freshLineStores } from '../line/stores.ts';
import { round, roundSummary, summarise, type Summary } from '../stats.ts';

/** A Wednesday morning in November: the office is open, faults go to the desk. */
export const SCENARIO_START = new Date('2026-11-18T09:30:00Z');

export interface AriLevel {
  /** Calls in progress at this step. */
  calls: number;
  keyToCommandMs: Summary;
  /** Every question but the PIN, whose answer waits on a deliberately slow key derivation. */
  keyToCommandMsExceptPin: Summary;
  /** The same, by the question answered. */
  byQuestion: Record<string, Summary>;
  /** Calls of this step coming out of the IVR to the desk, per second (first to last). */
  completedPerSecond: number;
  secondsToReach: number;
  heapUsedMB: number;
  rssMB: number;
  heapPerCallKB: number;
  rssPerCallKB: number;
  /** Heap added per call since the previous step (the fixed cost left out). */
  marginalHeapPerCallKB: number;
  errors: number;
  /** The machine's 1-minute load average when the step was reached (2 cores). */
  loadAverage: number;
  /**
   * CPU the line process spent per call of this step (its IVR, the desk, the notes), and
   * what the simulated Asterisk and callers cost this process: steadier than latency on a
   * shared machine.
   */
  lineCpuMsPerCall: number;
  simulatorCpuMsPerCall: number;
  /**
   * Event-loop delay over the step (perf_hooks, beyond its 10 ms tick), ms: the line's,
   * and this process's, where the simulated Asterisk stamps the key and the next request.
   */
  lineLoopDelayMs: LoopDelay;
  simulatorLoopDelayMs: LoopDelay;
}

export interface AriResult {
  levels: AriLevel[];
  /** CPU of one PIN check (HMAC-SHA-256, src/store/pin-hash.ts), measured here: every call makes one. */
  pinCheckCpuUs: number;
  /** CPU of one console password check (scrypt, src/store/hashing.ts), for comparison: what a PIN cost before. */
  scryptCheckCpuMs: number;
  arrivalsPerSecond: number;
  callerReactionMs: number;
  baseline: { heapUsedMB: number; rssMB: number };
  /** Critical key → first engineer ringing (bench/ari/ring-first.ts), ms. */
  ringFirst?: { calls: number; ms: Summary; failures: string[] };
  /** The same over the simulated Twilio with the REST API (bench/twilio/ring-first.ts), ms. */
  ringFirstTwilio?: { calls: number; ms: Summary; failures: string[] };
  /** All callers hung up at once at the top: how fast the line closed the calls. */
  hangup: { calls: number; seconds: number; endedPerSecond: number };
  errors: { failedCalls: number; simulatorViolations: number; lineWarnings: number; examples: string[] };
  notes: string[];
}

const MB = 1024 * 1024;

export async function runAriSection(
  ctx: SectionContext,
  opts: { nodeFlags?: string[]; levels?: number[]; /** False for a profile run: the staircase alone. */ ringFirst?: boolean } = {},
): Promise<AriResult> {
  const smoke = ctx.options.smoke;
  const levels = opts.levels ?? (smoke ? [3] : [100, 500, 1_000, 2_000]);
  const arrivalsPerSecond = smoke ? 20 : 15;
  const reactionMs = smoke ? 20 : 500;
  const stallMs = smoke ? 20_000 : 90_000;
  // Prompts play faster than speech (real Asterisk: about 350 ms a word), so a call's
  // IVR takes seconds rather than a minute; the line's own timers are untouched.
  const msPerWord = smoke ? 4 : 60;

  const stores = await freshLineStores({ serverUrl: ctx.options.databaseUrl, redisUrl: ctx.options.redisUrl, label: 'ari', customers: smoke ? 4 : 24 });
  const sim = new FakeAsterisk({ clock: new RealTimeClock(SCENARIO_START), msPerWord });
  await sim.start();
  sim.desk('support').answersAfter(smoke ? 100 : 2_000);
  const load = new CallLoad(sim, stores.customers, reactionMs);
  const simLoop = loopMonitor();
  let line: LineProcess | null = null;
  try {
    line = await startLineProcess({
      env: {
        DATABASE_URL: stores.databaseUrl,
        REDIS_URL: ctx.options.redisUrl,
        REDIS_PREFIX: stores.redisPrefix,
        ARI_URL: sim.url,
        ARI_USERNAME: sim.credentials.username,
        ARI_PASSWORD: sim.credentials.password,
        ARI_APP: sim.app,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env['BENCH_DEBUG'] ? 'debug' : 'info',
        NODE_ENV: 'development',
        BENCH_SCENARIO_START_MS: String(SCENARIO_START.getTime()),
        // Not used by these calls; set so the Twilio routes start as in production.
        TWILIO_AUTH_TOKEN: 'bench-token-not-used',
      },
      ...(opts.nodeFlags ? { nodeFlags: opts.nodeFlags } : {}),
    });
    await waitFor(async () => (await line!.status()).ari?.state === 'connected', 15_000, 'the ARI carrier to connect');
    const base = await line.memory();
    let cpu = { line: (await line.status()).cpuMicros, sim: simCpu() };
    await line.loopDelay();
    simLoop.take();
    ctx.log(`ari: line up (pid ${line.pid}), heap ${round(base.heapUsed / MB, 1)} MB`);

    const results: AriLevel[] = [];
    let previous = { calls: 0, heapUsed: base.heapUsed };
    for (const level of levels) {
      const first = load.calls.length;
      const began = performance.now();
      // Arrivals at a steady rate up to the step.
      while (load.calls.length < level) {
        const due = Math.floor(((performance.now() - began) / 1000) * arrivalsPerSecond) + 1;
        while (load.calls.length < Math.min(level, first + due)) load.ring();
        load.sweep(stallMs);
        await sleep(20);
      }
      // Then wait until everyone is through (or given up on) and the line is quiet.
      await waitFor(
        async () => {
          load.sweep(stallMs);
          return load.count('ringing') + load.count('in-ivr') === 0;
        },
        stallMs + 10_000,
        `calls up to ${level} to reach the desk`,
      );
      await waitFor(async () => (await line!.status()).ari?.pendingWork === 0, 30_000, 'the line to go quiet');
      const mem = await line.memory();
      const nowCpu = { line: (await line.status()).cpuMicros, sim: simCpu() };
      const lineLoopDelayMs = (await line.loopDelay()).delay;
      const simulatorLoopDelayMs = simLoop.take();
      const stepCalls = load.calls.slice(first, level);
      const connects = stepCalls.flatMap((c) => (c.connectedAt === null ? [] : [c.connectedAt])).sort((a, b) => a - b);
      const seconds = connects.length > 0 ? (connects[connects.length - 1]! - began) / 1000 : 0;
      // The rate callers came out of the IVR, first to last (not counting the first call's own IVR time).
      const spread = connects.length > 1 ? (connects[connects.length - 1]! - connects[0]!) / 1000 : 0;
      const samples = load.samples.filter((s) => s.active > previous.calls && s.active <= level);
      results.push({
        ...levelResult(level, samples, connects.length, seconds, spread, mem, base, previous),
        lineCpuMsPerCall: round((nowCpu.line - cpu.line) / 1000 / (level - previous.calls), 2),
        simulatorCpuMsPerCall: round((nowCpu.sim - cpu.sim) / 1000 / (level - previous.calls), 2),
        lineLoopDelayMs,
        simulatorLoopDelayMs,
      });
      cpu = nowCpu;
      ctx.log(
        `ari: ${level} calls: key→command p50 ${results.at(-1)!.keyToCommandMs.p50} ms, p99 ${results.at(-1)!.keyToCommandMs.p99} ms; ` +
          `heap/call ${results.at(-1)!.heapPerCallKB} KB; line CPU ${results.at(-1)!.lineCpuMsPerCall} ms/call; ` +
          `loop delay p99 line ${lineLoopDelayMs.p99} ms, simulator ${simulatorLoopDelayMs.p99} ms; ${load.failures().length} failed; load ${results.at(-1)!.loadAverage}`,
      );
      previous = { calls: level, heapUsed: mem.heapUsed };
    }

    const top = load.inProgress;
    const hungUpAt = performance.now();
    load.hangUpAll();
    await waitFor(async () => (await openCalls(stores.db)) === 0, 120_000, 'every call to be closed after the hang-ups');
    const hangupSeconds = (performance.now() - hungUpAt) / 1000;
    await waitFor(async () => (await line!.status()).ari?.pendingWork === 0, 30_000, 'the line to go quiet after the hang-ups');

    if (process.env['BENCH_DEBUG']) process.stderr.write(`${line.tail()}\n`);
    await line.stop();
    const lineEnv = {
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: ctx.options.redisUrl,
      REDIS_PREFIX: stores.redisPrefix,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env['BENCH_DEBUG'] ? 'debug' : 'info',
      NODE_ENV: 'development',
      TWILIO_AUTH_TOKEN: 'bench-token-not-used',
    };
    const withRing = opts.ringFirst !== false;
    const ring = withRing ? await measureRingFirst(stores, lineEnv, smoke ? 2 : 10, ctx.log) : null;
    const twilioRing = withRing ? await measureTwilioRingFirst(ctx.options.redisUrl, smoke ? 2 : 20) : null;
    if (twilioRing) ctx.log(`twilio: critical key → engineer ringing over ${twilioRing.samples.length} calls: ${twilioRing.samples.map((s) => s.toFixed(1)).join(', ')} ms`);
    const violations = sim.violations.map((v) => `${v.kind}: ${v.message}${v.request ? ` (${v.request})` : ''}`);
    const failures = load.failures();
    return {
      levels: results,
      ...(await hashCosts()),
      arrivalsPerSecond,
      callerReactionMs: reactionMs,
      baseline: { heapUsedMB: round(base.heapUsed / MB, 1), rssMB: round(base.rss / MB, 1) },
      hangup: { calls: top, seconds: round(hangupSeconds, 2), endedPerSecond: Math.round(top / hangupSeconds) },
      ...(ring ? { ringFirst: { calls: ring.calls, ms: roundSummary(summarise(ring.samples)), failures: ring.failures } } : {}),
      ...(twilioRing ? { ringFirstTwilio: { calls: twilioRing.calls, ms: roundSummary(summarise(twilioRing.samples)), failures: twilioRing.failures } } : {}),
      errors: {
        failedCalls: failures.length,
        simulatorViolations: violations.length,
        lineWarnings: line.warnings,
        examples: [...distinct(failures), ...distinct(violations), ...(line.warnings > 0 ? [lastWarning(line.tail())] : [])],
      },
      notes: [
        `arrivals ${arrivalsPerSecond} calls/s; each caller keys an answer ${reactionMs} ms (±40%) after a question ends; half are known by caller ID`,
        `prompts play at ${msPerWord} ms a word (real speech is about 350): the IVR part of a call takes seconds, not a minute`,
        'calls stay connected to the desk until the top step, then all hang up at once',
        'latency is measured in the simulated Asterisk (this process): last key event sent → next request for that channel arriving',
        'the simulator and its callers share the two cores with the line, Postgres and Redis; CPU per call is each process\'s CPU time over the step divided by the step\'s calls',
        `the line runs at LOG_LEVEL=info with its output discarded, carriers only (no SLA watcher or console)`,
      ],
    };
  } finally {
    simLoop.stop();
    load.hangUpAll();
    load.detach();
    await line?.stop();
    await sim.stop();
    await stores.remove();
  }
}

function levelResult(
  level: number,
  samples: KeySample[],
  connected: number,
  seconds: number,
  spread: number,
  mem: { heapUsed: number; rss: number },
  base: { heapUsed: number; rss: number },
  previous: { calls: number; heapUsed: number },
): Omit<AriLevel, 'lineCpuMsPerCall' | 'simulatorCpuMsPerCall' | 'lineLoopDelayMs' | 'simulatorLoopDelayMs'> {
  const byQuestion: Record<string, Summary> = {};
  for (const q of [...new Set(samples.map((s) => s.question))]) {
    byQuestion[q] = roundSummary(summarise(samples.filter((s) => s.question === q).map((s) => s.ms)));
  }
  return {
    calls: level,
    keyToCommandMs: roundSummary(summarise(samples.map((s) => s.ms))),
    keyToCommandMsExceptPin: roundSummary(summarise(samples.filter((s) => s.question !== 'pin').map((s) => s.ms))),
    byQuestion,
    completedPerSecond: round(spread > 0 ? (connected - 1) / spread : connected / Math.max(seconds, 0.001), 1),
    secondsToReach: round(seconds, 1),
    heapUsedMB: round(mem.heapUsed / MB, 1),
    rssMB: round(mem.rss / MB, 1),
    heapPerCallKB: round((mem.heapUsed - base.heapUsed) / level / 1024, 1),
    rssPerCallKB: round((mem.rss - base.rss) / level / 1024, 1),
    marginalHeapPerCallKB: round((mem.heapUsed - previous.heapUsed) / (level - previous.calls) / 1024, 1),
    errors: level - previous.calls - connected,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

async function openCalls(db: { query<R>(sql: string): Promise<R[]> }): Promise<number> {
  const [row] = await db.query<{ n: string }>('select count(*) as n from calls where ended_at is null');
  return Number(row?.n ?? 0);
}

/** One example of each kind of failure, with how many there were. */
function distinct(messages: string[]): string[] {
  const kinds = new Map<string, { example: string; n: number }>();
  for (const m of messages) {
    const kind = m.replace(/^call \d+: /, '').replace(/\(heard: .*\)$/, '');
    const k = kinds.get(kind) ?? { example: m, n: 0 };
    k.n += 1;
    kinds.set(kind, k);
  }
  return [...kinds.values()].slice(0, 5).map((k) => (k.n > 1 ? `${k.example} (and ${k.n - 1} more like it)` : k.example));
}

function lastWarning(tail: string): string {
  const lines = tail.split('\n').filter((l) => /"level":(40|50|60)/.test(l));
  return `line log: ${(lines.at(-1) ?? '').slice(0, 400)}`;
}

/** What one PIN check and one scrypt check cost in CPU (scrypt runs on libuv's threads; process CPU counts them). */
async function hashCosts(): Promise<{ pinCheckCpuUs: number; scryptCheckCpuMs: number }> {
  const pin = hashPin('4821');
  let before = simCpu();
  for (let i = 0; i < 10_000; i++) await verifyPin('4821', pin);
  const pinCheckCpuUs = round((simCpu() - before) / 10_000, 1);
  const hash = await hashSecret('4821');
  before = simCpu();
  for (let i = 0; i < 4; i++) await verifySecret('4821', hash);
  return { pinCheckCpuUs, scryptCheckCpuMs: round((simCpu() - before) / 1000 / 4, 1) };
}

function simCpu(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
