// 7. A burst during an incident: 200 callers ring within 10 s while an announcement is
// live (simulated Asterisk on real time, the real ARI carrier and call service in a line
// process of their own, Postgres, Redis). Measured: call start → the announcement's
// first word (it is said right after the greeting, so that is in the figure too), and
// that every caller was answered and heard it. Half press 1 and join the incident; half
// go on to the desk, which does not answer: the desk's limit is time
// (DESK_OVERFLOW_SECONDS), after which the line takes a message rather than let the
// caller wait on, so nobody waits on the desk longer than that.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import catalogue from '../../prompts/catalogue.json' with { type: 'json' };
import { postAnnouncement } from '../../src/announcements/post.ts';
import { openIncident } from '../../src/tickets/incidents.ts';
import { FakeAsterisk } from '../../test/support/fake-asterisk/server.ts';
import type { SectionContext } from '../context.ts';
import { RealTimeClock } from '../ari/real-clock.ts';
import { BurstLoad } from '../burst/callers.ts';
import { startLineProcess, type LineProcess } from '../line/process.ts';
import { freshLineStores } from '../line/stores.ts';
import { round, roundSummary, summarise, type Summary } from '../stats.ts';

/** Wednesday morning: the office is open, so callers who do not join go to the desk. */
const SCENARIO_START = new Date('2026-11-18T09:30:00Z');
const FOLDER = 'support-line-announcements';
const OVERFLOW_SECONDS = 5;

export interface BurstResult {
  callers: number;
  arrivalSeconds: number;
  /** Every caller answered and heard the announcement. */
  heardAnnouncement: number;
  announcementMs: Summary;
  /** The greeting before it, at the simulator's speech speed (ms): the rest is the line. */
  greetingMs: number;
  joined: number;
  messages: number;
  /** Desk rung → the overflow offering a message (s), against DESK_OVERFLOW_SECONDS. */
  deskWaitSeconds: Summary;
  overflowSeconds: number;
  errors: { failedCalls: number; simulatorViolations: number; examples: string[] };
  loadAverage: number;
}

export async function runBurstSection(ctx: SectionContext): Promise<BurstResult> {
  const smoke = ctx.options.smoke;
  const callers = smoke ? 10 : 200;
  const arrivalSeconds = smoke ? 1 : 10;
  const msPerWord = smoke ? 4 : 60;
  const reactionMs = smoke ? 20 : 300;
  const stores = await freshLineStores({ serverUrl: ctx.options.databaseUrl, redisUrl: ctx.options.redisUrl, label: 'burst', customers: callers });
  const sounds = mkdtempSync(join(tmpdir(), 'sl-bench-announcements-'));
  const sim = new FakeAsterisk({ clock: new RealTimeClock(SCENARIO_START), msPerWord });
  let line: LineProcess | null = null;
  try {
    const tickets = { db: stores.db, division: 'england-and-wales' as const, routing: { dutyManagerPhone: null, sms: false, webhook: false } };
    const incident = await openIncident(tickets, { title: 'Bath exchange fault', actor: 'bench', channel: 'console', at: SCENARIO_START });
    const posted = await postAnnouncement(
      { db: stores.db, sounds: { dir: sounds, folder: FOLDER }, warn: () => undefined },
      {
        kind: 'incident',
        message: 'We know about a broadband fault affecting customers in Bath. Engineers are working on it; the next update is at 2 pm.',
        startsAt: new Date(SCENARIO_START.getTime() - 600_000),
        endsAt: new Date(SCENARIO_START.getTime() + 3_600_000),
        incidentId: incident.id,
        actor: 'bench',
        at: new Date(SCENARIO_START.getTime() - 600_000),
      },
    );
    if (!posted.sound) throw new Error('the announcement was not rendered (espeak-ng and sox needed)');
    await sim.start();
    sim.soundDirs.set(FOLDER, sounds);
    sim.desk('support').doesNotAnswer();
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
        DESK_OVERFLOW_SECONDS: String(OVERFLOW_SECONDS),
        TWILIO_AUTH_TOKEN: 'bench-token-not-used',
      },
    });
    await waitFor(async () => (await line!.status()).ari?.state === 'connected', 15_000, 'the ARI carrier to connect');
    ctx.log(`burst: line up (pid ${line.pid}); ${callers} callers over ${arrivalSeconds} s`);

    const load = new BurstLoad(sim, stores.customers, `sound:${posted.sound}`, reactionMs);
    const began = performance.now();
    while (load.calls.length < callers) {
      const due = Math.min(callers, Math.floor(((performance.now() - began) / 1000 / arrivalSeconds) * callers) + 1);
      while (load.calls.length < due) load.ring();
      await sleep(20);
    }
    const loadAverage = round(os.loadavg()[0] ?? 0, 2);
    // Every call ends by itself: joined (goodbye) or a message taken (goodbye).
    const stuck = () =>
      load.calls
        .filter((c) => c.channel.alive)
        .slice(0, 3)
        .map((c) => `call ${c.index} heard ${c.channel.heard.slice(-4).map((h) => h.media).join(', ')}`)
        .join('; ') + (process.env['BENCH_DEBUG'] ? `\n${line?.tail() ?? ''}` : '');
    await waitFor(async () => (await openCalls(stores)) === 0 && load.calls.every((c) => !c.channel.alive), smoke ? 60_000 : 240_000, 'every call to end', stuck);

    const outcomes = await stores.db.query<{ outcome: string; n: string }>('select outcome, count(*) as n from calls group by outcome');
    const count = (o: string) => Number(outcomes.find((r) => r.outcome === o)?.n ?? 0);
    const [linked] = await stores.db.query<{ n: string }>('select count(*) as n from tickets where incident_id = $1', [incident.id]);
    const heard = load.calls.filter((c) => c.announcementMs !== null);
    const failures = load.calls.flatMap((c) => (c.failure ? [`call ${c.index}: ${c.failure}`] : c.announcementMs === null ? [`call ${c.index}: never heard the announcement`] : []));
    const joinedExpected = load.calls.filter((c) => c.joins).length;
    if (Number(linked!.n) !== joinedExpected) failures.push(`${linked!.n} tickets joined the incident, ${joinedExpected} callers pressed 1`);
    if (count('message') !== callers - joinedExpected) failures.push(`${count('message')} messages taken, ${callers - joinedExpected} callers went to the desk`);
    const waits = load.calls.flatMap((c) => (c.deskAt !== null && c.overflowAt !== null ? [(c.overflowAt - c.deskAt) / 1000] : []));
    const greetingWords = ['greeting', 'keys-help'].reduce((n, id) => n + (PROMPT_WORDS[id] ?? 0), 0);
    return {
      callers,
      arrivalSeconds,
      heardAnnouncement: heard.length,
      announcementMs: roundSummary(summarise(heard.map((c) => c.announcementMs!))),
      greetingMs: greetingWords * msPerWord,
      joined: Number(linked!.n),
      messages: count('message'),
      deskWaitSeconds: roundSummary(summarise(waits.length > 0 ? waits : [0])),
      overflowSeconds: OVERFLOW_SECONDS,
      errors: { failedCalls: failures.length, simulatorViolations: sim.violations.length, examples: [...failures, ...sim.violations.map((v) => v.message)].slice(0, 5) },
      loadAverage,
    };
  } finally {
    await line?.stop();
    await sim.stop();
    await stores.remove();
    rmSync(sounds, { recursive: true, force: true });
  }
}

const PROMPT_WORDS: Record<string, number> = Object.fromEntries(Object.entries(catalogue).map(([id, text]) => [id, Math.max(1, text.split(/\s+/).length)]));

async function openCalls(stores: { db: { query<T>(sql: string): Promise<T[]> } }): Promise<number> {
  const [row] = await stores.db.query<{ n: string }>('select count(*) as n from calls where ended_at is null');
  return Number(row?.n ?? 0);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, why: () => string = () => ''): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what} ${why()}`.trim());
    await sleep(100);
  }
}
