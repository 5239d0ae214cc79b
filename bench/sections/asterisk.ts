// 6. A real Asterisk, when this machine has one (ASTERISK_BIN, else
// /opt/asterisk/sbin/asterisk): the installed binary started with a configuration of
// the benchmark's own (bench/asterisk/pbx.ts), the project's dialplan as shipped.
//
// - 10, 50 and 100 scripted callers ring at once and answer PIN, menu and the critical
//   question, first on the line (a line process as `npm start` builds it, on Postgres and
//   Redis), then on a pure-dialplan IVR doing the same steps on the same PBX. DTMF → next
//   prompt is timed from Asterisk's own event timestamps.
// - Critical key → first engineer's phone ringing: a Cat4 customer at 03:00 on a
//   Saturday reports a critical fault; timed from the critical key's ChannelDtmfReceived
//   to the engineer's Local channel entering [bench-engineers].
import os from 'node:os';
import { seedDemo } from '../../src/store/seed-demo.ts';
import type { SectionContext } from '../context.ts';
import { BENCH_DIALPLAN, DIALPLAN_PIN } from '../asterisk/dialplan.ts';
import { findAsterisk, startPbx, type Pbx } from '../asterisk/pbx.ts';
import { ScriptedCallers, type Mode, type Step, type StepSample } from '../asterisk/callers.ts';
import { AriWatcher, type RawEvent } from '../asterisk/watcher.ts';
import { startLineProcess, type LineProcess } from '../line/process.ts';
import { freshLineStores, type Customer } from '../line/stores.ts';
import { round, roundSummary, summarise, type Summary } from '../stats.ts';
import { SCENARIO_START } from './ari.ts';

/** A Saturday, 03:00 UK time: the office is shut and Cat4 critical faults go to the on-call engineer. */
const NIGHT = new Date('2026-11-21T03:00:00Z');
const STEPS: readonly Step[] = ['pin', 'menu', 'critical'];

export interface AsteriskRun {
  completed: number;
  failed: number;
  /** Every step together. */
  all: Summary;
  byStep: Record<Step, Summary>;
}

export interface AsteriskLevel {
  callers: number;
  line: AsteriskRun & { lineCpuMsPerCall: number; asteriskCpuMsPerCall: number };
  dialplan: AsteriskRun & { asteriskCpuMsPerCall: number };
  /** The machine's 1-minute load average after the two runs (above the core count, the figures were shared). */
  loadAverage: number;
}

export type AsteriskResult =
  | { skipped: string }
  | {
      skipped: null;
      version: string;
      bin: string;
      levels: AsteriskLevel[];
      /** Critical key → the first engineer's phone ringing, ms, one sample per call. */
      engineerRing: { samples: number[]; summary: Summary; failures: string[] };
      failures: string[];
      notes: string[];
    };

export async function runAsteriskSection(ctx: SectionContext): Promise<AsteriskResult> {
  const bin = findAsterisk();
  if (!bin) {
    ctx.log('asterisk: skipped: no Asterisk (set ASTERISK_BIN, or install one at /opt/asterisk/sbin/asterisk)');
    return { skipped: 'skipped: no Asterisk' };
  }
  const smoke = ctx.options.smoke;
  const levels = smoke ? [3] : [10, 50, 100];
  const reactionMs = 1_000;
  const stallMs = 90_000;
  const pbx = await startPbx({ bin, extraDialplan: BENCH_DIALPLAN, log: ctx.log });
  const failures: string[] = [];
  try {
    const results: AsteriskLevel[] = [];
    const stores = await freshLineStores({ serverUrl: ctx.options.databaseUrl, redisUrl: ctx.options.redisUrl, label: 'asterisk', customers: Math.max(...levels) });
    let line: LineProcess | null = null;
    try {
      line = await startLine(pbx, stores.databaseUrl, stores.redisPrefix, ctx.options.redisUrl, SCENARIO_START, 'Local/{number}@bench-engineers');
      for (const n of levels) {
        const before = { line: (await line.status()).cpuMicros, asterisk: pbx.cpuMs() };
        const onLine = await burst(pbx, 'line', stores.customers.slice(0, n).map((c) => script(c, c.pin)), reactionMs, stallMs, failures);
        const lineCpuMsPerCall = round(((await line.status()).cpuMicros - before.line) / 1000 / n, 1);
        const asteriskOnLine = round((pbx.cpuMs() - before.asterisk) / n, 1);
        await settle(line);
        const beforeDialplan = pbx.cpuMs();
        const onDialplan = await burst(pbx, 'dialplan', stores.customers.slice(0, n).map((c) => script(c, DIALPLAN_PIN)), reactionMs, stallMs, failures);
        const asteriskOnDialplan = round((pbx.cpuMs() - beforeDialplan) / n, 1);
        results.push({
          callers: n,
          line: { ...onLine, lineCpuMsPerCall, asteriskCpuMsPerCall: asteriskOnLine },
          dialplan: { ...onDialplan, asteriskCpuMsPerCall: asteriskOnDialplan },
          loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
        });
        ctx.log(
          `asterisk: ${n} callers: DTMF → next prompt p50/p99 line ${onLine.all.p50}/${onLine.all.p99} ms, dialplan ${onDialplan.all.p50}/${onDialplan.all.p99} ms; ` +
            `${onLine.failed + onDialplan.failed} failed`,
        );
      }
    } finally {
      await line?.stop();
      await stores.remove();
    }

    const engineerRing = await timeEngineerRing(ctx, pbx, smoke ? 1 : 5, reactionMs, stallMs);
    ctx.log(`asterisk: critical key → engineer ringing p50 ${engineerRing.summary.p50} ms, max ${engineerRing.summary.max} ms`);
    return {
      skipped: null,
      version: pbx.version,
      bin,
      levels: results,
      engineerRing,
      failures: distinct(failures),
      notes: [
        `Asterisk ${pbx.version} (${bin}) with a configuration written by the benchmark: the project's dialplan/ as shipped plus bench/asterisk/dialplan.ts; callers and phones are Local channels`,
        `all N callers are originated at once (8 requests in flight) and key each answer ${reactionMs} ms after its prompt starts (barge-in): PIN and #, 1, 2`,
        'DTMF → next prompt is timed from Asterisk\'s event timestamps (ms): the answer\'s last key (ChannelDtmfReceived on the IVR\'s half) to PlaybackStarted (line) or the next Read()/Playback() (dialplan)',
        'the line runs at a Wednesday 09:30 (office open: the third step is the ticket reference); the engineer calls at a Saturday 03:00, one after another',
        'Asterisk, the line, Postgres, Redis and the callers share the machine\'s cores; CPU per call is each process\'s CPU over the run divided by its callers (Asterisk\'s includes the callers\' Local channels)',
      ],
    };
  } finally {
    await pbx.stop();
  }
}

function script(c: Customer, pin: string): { phone: string; pin: string; critical: '2' } {
  return { phone: c.phone, pin, critical: '2' };
}

async function startLine(pbx: Pbx, databaseUrl: string, redisPrefix: string, redisUrl: string, at: Date, engineerTemplate: string): Promise<LineProcess> {
  const line = await startLineProcess({
    env: {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      ARI_URL: pbx.url,
      ARI_USERNAME: pbx.username,
      ARI_PASSWORD: pbx.password,
      ARI_APP: pbx.app,
      ARI_DESK_CONTEXT: 'bench-desk',
      ARI_ENGINEER_DIAL_TEMPLATE: engineerTemplate,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env['BENCH_DEBUG'] ? 'debug' : 'info',
      NODE_ENV: 'development',
      BENCH_SCENARIO_START_MS: String(at.getTime()),
      TWILIO_AUTH_TOKEN: 'bench-token-not-used',
    },
  });
  await waitFor(async () => (await line.status()).ari?.state === 'connected', 30_000, 'the line to connect to Asterisk');
  return line;
}

/** N callers at once in one mode; every caller hangs up once they have heard the prompt after the critical question. */
async function burst(pbx: Pbx, mode: Mode, scripts: { phone: string; pin: string; critical: '1' | '2' }[], reactionMs: number, stallMs: number, failures: string[]): Promise<AsteriskRun> {
  const ari = new AriWatcher(pbx.url, pbx.username, pbx.password, `bench-${mode}`);
  await ari.connect();
  const callers = new ScriptedCallers(ari, mode, reactionMs, `n${scripts.length}`);
  try {
    const calls = scripts.map((s) => callers.call(s, stallMs));
    const done = await Promise.all(calls.map((c) => c.finished));
    await Promise.all(calls.map((c) => callers.hangUp(c.id)));
    const samples: StepSample[] = done.flatMap((c) => c.samples);
    for (const c of done) if (c.failure) failures.push(`${mode}: ${c.failure}`);
    const byStep = Object.fromEntries(STEPS.map((s) => [s, roundSummary(summarise(samples.filter((x) => x.step === s).map((x) => x.ms)))])) as Record<Step, Summary>;
    return {
      completed: done.filter((c) => !c.failure).length,
      failed: done.filter((c) => c.failure).length,
      all: roundSummary(summarise(samples.map((x) => x.ms))),
      byStep,
    };
  } finally {
    callers.detach();
    ari.close();
    // Let the hang-ups finish before the next burst.
    await waitFor(async () => ((await ari.request('GET', '/channels')) as unknown[]).length === 0, 30_000, 'the channels to clear').catch(() => undefined);
  }
}

/** Critical key → the first engineer's Local channel entering [bench-engineers], one call at a time. */
async function timeEngineerRing(ctx: SectionContext, pbx: Pbx, calls: number, reactionMs: number, stallMs: number): Promise<{ samples: number[]; summary: Summary; failures: string[] }> {
  const stores = await freshLineStores({ serverUrl: ctx.options.databaseUrl, redisUrl: ctx.options.redisUrl, label: 'asterisk_night', customers: 0 });
  let line: LineProcess | null = null;
  const ari = new AriWatcher(pbx.url, pbx.username, pbx.password, 'bench-night');
  const samples: number[] = [];
  const failures: string[] = [];
  try {
    const seed = await seedDemo(stores.db, NIGHT);
    const acme = seed.accounts.find((a) => a.tier === 'Cat4' && a.status === 'active');
    if (!acme) throw new Error('the demo data has no active Cat4 account');
    line = await startLine(pbx, stores.databaseUrl, stores.redisPrefix, ctx.options.redisUrl, NIGHT, 'Local/{number}@bench-engineers');
    await ari.connect();
    let ringingAt: number | null = null;
    const off = ari.on((e: RawEvent) => {
      if (e.type === 'ChannelDialplan' && e.channel?.dialplan?.context === 'bench-engineers' && ringingAt === null) ringingAt = e.at;
    });
    const callers = new ScriptedCallers(ari, 'line', reactionMs, 'night');
    try {
      for (let i = 0; i < calls; i++) {
        ringingAt = null;
        const call = callers.call({ phone: acme.phones[0]!, pin: acme.pin, critical: '1' }, stallMs);
        const caller = await call.finished;
        if (caller.failure || caller.criticalKeyAt === null) {
          failures.push(caller.failure ?? 'no critical key seen');
          continue;
        }
        await waitFor(() => ringingAt !== null, 60_000, 'the first engineer to ring').catch(() => undefined);
        if (ringingAt === null) failures.push('no engineer rang within 60 s of the critical key');
        else samples.push(ringingAt - caller.criticalKeyAt);
        await callers.hangUp(call.id);
        await waitFor(async () => ((await ari.request('GET', '/channels')) as unknown[]).length === 0, 30_000, 'the channels to clear').catch(() => undefined);
        await settle(line);
      }
    } finally {
      off();
      callers.detach();
    }
  } finally {
    ari.close();
    await line?.stop();
    await stores.remove();
  }
  return { samples, summary: roundSummary(summarise(samples)), failures };
}

async function settle(line: LineProcess): Promise<void> {
  await waitFor(async () => (await line.status()).ari?.pendingWork === 0, 30_000, 'the line to go quiet').catch(() => undefined);
}

function distinct(messages: string[]): string[] {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts.entries()].slice(0, 8).map(([m, n]) => (n > 1 ? `${m} (×${n})` : m));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
