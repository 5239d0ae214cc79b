// 3. The Twilio webhooks under load from another process (autocannon), every request
// signed as Twilio signs it and checked by the line: a new call on /twilio/voice, and
// the caller's first Gather step (their account number) on /twilio/step — a Postgres
// lookup of the call, the session from Redis, the flow, the timeline written, the
// session saved. Side by side, the same stack answering with fixed TwiML: the ceiling.
import { randomBytes } from 'node:crypto';
import type { SectionContext } from '../context.ts';
import { startLineProcess, type LineProcess } from '../line/process.ts';
import { freshLineStores, type LineStores } from '../line/stores.ts';
import { round } from '../stats.ts';
import type { LoadReply } from '../twilio/load-protocol.ts';
import { freePort, startCeilingServer, startLoadGenerator, type LoadGenerator } from '../twilio/processes.ts';
import { SCENARIO_START } from './ari.ts';

export interface HttpRun {
  route: string;
  connections: number;
  requests: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  /** CPU the server process spent per request answered (null for the ceiling, not measured). */
  serverCpuMsPerRequest: number | null;
}

export interface TwilioResult {
  voice: HttpRun;
  gather: HttpRun;
  ceiling: HttpRun;
  /** gather ÷ ceiling and voice ÷ ceiling, requests per second. */
  ratio: { gather: number; voice: number };
  signatures: 'checked';
  /** Gather steps that did not move the call on (safe route, unknown call): must be 0. */
  wrongAnswers: number;
  notes: string[];
}

type Result = Extract<LoadReply, { type: 'result' }>;

export async function runTwilioSection(ctx: SectionContext, opts: { nodeFlags?: string[] } = {}): Promise<TwilioResult> {
  const smoke = ctx.options.smoke;
  const seconds = smoke ? 0.5 : 10;
  const connections = smoke ? 4 : 20;
  const stores = await freshLineStores({ serverUrl: ctx.options.databaseUrl, redisUrl: ctx.options.redisUrl, label: 'twilio', customers: smoke ? 2 : 8 });
  const authToken = randomBytes(16).toString('hex');
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  // The three processes start side by side; whatever started is stopped, whatever failed.
  const started = await Promise.allSettled([startCeilingServer(), startTwilioLine(stores, ctx, port, authToken, opts.nodeFlags), startLoadGenerator()] as const);
  const [ceilingStart, lineStart, loaderStart] = started;
  const ceiling = ceilingStart.status === 'fulfilled' ? ceilingStart.value : null;
  const line: LineProcess | null = lineStart.status === 'fulfilled' ? lineStart.value : null;
  const loader: LoadGenerator | null = loaderStart.status === 'fulfilled' ? loaderStart.value : null;
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed || !ceiling || !line || !loader) throw failed?.status === 'rejected' ? failed.reason : new Error('a Twilio bench process did not start');

    // Callers the line does not know by number: each call's first question is the account number.
    const callers = Array.from({ length: 500 }, (_, i) => `+447700${String(900_000 + i).padStart(6, '0')}`);
    const common = { url: line.url, publicBaseUrl, authToken, connections };
    let sidBase = 1;
    const cpu = async () => (await line.status()).cpuMicros;
    const voice = async (runSeconds: number): Promise<Result & { cpuMicros: number }> => {
      const before = await cpu();
      const r = await loader.run({ ...common, kind: 'voice', seconds: runSeconds, sidBase, callers, collectActions: true });
      sidBase += r.requests + 1;
      return { ...r, cpuMicros: (await cpu()) - before };
    };
    const gather = async (steps: Result['actions'], from: number, to: number): Promise<Result & { cpuMicros: number }> => {
      const before = await cpu();
      const r = await loader.run({
        ...common,
        kind: 'gather',
        seconds,
        amount: to - from,
        // On a busy machine the warm-up may open fewer calls than there are connections.
        connections: Math.max(1, Math.min(connections, to - from)),
        steps: steps.slice(from, to).map((a, i) => ({
          callSid: a.callSid,
          from: callers[i % callers.length]!,
          url: a.url,
          digits: stores.customers[i % stores.customers.length]!.number,
        })),
      });
      return { ...r, cpuMicros: (await cpu()) - before };
    };

    ctx.log('twilio: warming up');
    const warm = await voice(smoke ? 0.3 : 2);
    const voiceRun = await voice(seconds);
    ctx.log(`twilio: /twilio/voice ${Math.round(voiceRun.perSecond)}/s, p99 ${voiceRun.latency.p99} ms`);
    const steps = [...warm.actions, ...voiceRun.actions];
    const warmSteps = Math.min(warm.actions.length, smoke ? 20 : 1_000);
    await gather(steps, 0, warmSteps);
    const eventsBefore = await keyEvents(stores);
    const gatherRun = await gather(steps, warmSteps, steps.length);
    const moved = (await keyEvents(stores)) - eventsBefore;
    ctx.log(`twilio: gather step ${Math.round(gatherRun.perSecond)}/s, p99 ${gatherRun.latency.p99} ms`);

    await loader.run({ url: ceiling.url, publicBaseUrl, authToken: null, connections, kind: 'voice', seconds: smoke ? 0.3 : 2, sidBase: 0, callers, collectActions: false });
    const ceilingRun = await loader.run({ url: ceiling.url, publicBaseUrl, authToken: null, connections, kind: 'voice', seconds, sidBase: 0, callers, collectActions: false });
    ctx.log(`twilio: fixed TwiML ceiling ${Math.round(ceilingRun.perSecond)}/s`);

    return {
      voice: httpRun('POST /twilio/voice (new call, signed)', connections, voiceRun),
      gather: httpRun('POST /twilio/step Gather: account number (signed)', connections, gatherRun),
      ceiling: httpRun('POST, fixed TwiML (express, form parser, no stores)', connections, { ...ceilingRun, cpuMicros: null }),
      ratio: {
        gather: round(gatherRun.perSecond / ceilingRun.perSecond, 3),
        voice: round(voiceRun.perSecond / ceilingRun.perSecond, 3),
      },
      signatures: 'checked',
      wrongAnswers: gatherRun.ok - moved,
      notes: [
        `autocannon in its own process, ${connections} connections, one request in flight on each; ${seconds} s runs after a warm-up`,
        'every request is signed (X-Twilio-Signature over the public URL and parameters) and the line checks it (TWILIO_VALIDATE_SIGNATURES=true)',
        'each /twilio/voice request is a new call (a new CallSid); each Gather step is the next step of a different one of those calls',
        'the line runs in its own process at LOG_LEVEL=info with its output discarded',
        'server CPU per request: the line process\'s CPU time over the run divided by the requests answered (steadier than rates on a shared machine)',
      ],
    };
  } finally {
    await loader?.stop();
    await line?.stop();
    await ceiling?.stop();
    await stores.remove();
  }
}

export async function startTwilioLine(stores: LineStores, ctx: SectionContext, port: number, authToken: string, nodeFlags?: string[]): Promise<LineProcess> {
  return startLineProcess({
    env: {
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: ctx.options.redisUrl,
      REDIS_PREFIX: stores.redisPrefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_VALIDATE_SIGNATURES: 'true',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      BENCH_SCENARIO_START_MS: String(SCENARIO_START.getTime()),
    },
    ...(nodeFlags ? { nodeFlags } : {}),
  });
}

/** Key presses the flow took in: one per Gather step that moved its call on. */
async function keyEvents(stores: LineStores): Promise<number> {
  const [row] = await stores.db.query<{ n: string }>(`select count(*) as n from call_events where type = 'keys'`);
  return Number(row?.n ?? 0);
}

function httpRun(route: string, connections: number, r: Result & { cpuMicros: number | null }): HttpRun {
  return {
    route,
    connections,
    requests: r.ok + r.non2xx,
    seconds: round(r.seconds, 2),
    perSecond: Math.round(r.perSecond),
    latencyMs: r.latency,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    serverCpuMsPerRequest: r.cpuMicros === null || r.ok === 0 ? null : round(r.cpuMicros / 1000 / r.ok, 3),
  };
}

/**
 * The Gather step again, profiled: one line (unprofiled) opens a few seconds of new calls,
 * then a second line on the same stores, started with `node --cpu-prof`, takes one Gather
 * step for each, so the profile holds start-up and Gather steps only. The profile is
 * written when that line exits.
 */
export async function profileTwilioGather(ctx: SectionContext, nodeFlags: string[]): Promise<void> {
  const stores = await freshLineStores({ serverUrl: ctx.options.databaseUrl, redisUrl: ctx.options.redisUrl, label: 'twprof', customers: 4 });
  const authToken = randomBytes(16).toString('hex');
  let line: LineProcess | null = null;
  let loader: LoadGenerator | null = null;
  try {
    loader = await startLoadGenerator();
    const callers = Array.from({ length: 200 }, (_, i) => `+447700${String(900_000 + i).padStart(6, '0')}`);
    const opener = await freePort();
    line = await startTwilioLine(stores, ctx, opener, authToken);
    const made = await loader.run({ url: line.url, publicBaseUrl: `http://127.0.0.1:${opener}`, authToken, connections: 20, kind: 'voice', seconds: 10, sidBase: 1, callers, collectActions: true });
    await line.stop();
    const port = await freePort();
    line = await startTwilioLine(stores, ctx, port, authToken, nodeFlags);
    await loader.run({
      url: line.url,
      publicBaseUrl: `http://127.0.0.1:${port}`,
      authToken,
      connections: 20,
      kind: 'gather',
      seconds: 10,
      amount: made.actions.length,
      steps: made.actions.map((a, i) => ({ callSid: a.callSid, from: callers[i % callers.length]!, url: a.url, digits: stores.customers[i % stores.customers.length]!.number })),
    });
  } finally {
    await loader?.stop();
    await line?.stop();
    await stores.remove();
  }
}
