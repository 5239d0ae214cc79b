// Critical key → first engineer's phone ringing, over the simulated Asterisk. A Cat4
// customer rings at 03:00 on a Saturday (the on-call route), keys the PIN, 1 for a
// fault and 1 for critical; the clock starts as the last key's event goes out and
// stops when the line's originate for the engineer arrives. Prompts play at real
// speech speed (350 ms a word), so an announcement said before the dial would show.
// One call at a time: an engineer is rung for one escalated call at once.
// The wait for the ring is counted from the critical key, not from the call's start: at
// real speech speed the IVR before it (greeting, keys help, PIN, menu, question) takes
// over 30 s by itself, which a wait counted from the start read as the line not ringing.
import { addEngineer } from '../../src/store/engineers.ts';
import { addShift } from '../../src/store/rota.ts';
import { FakeAsterisk } from '../../test/support/fake-asterisk/server.ts';
import type { SimChannel } from '../../test/support/fake-asterisk/world.ts';
import type { LineStores } from '../line/stores.ts';
import { startLineProcess, type LineProcess } from '../line/process.ts';
import { RealTimeClock } from './real-clock.ts';

export const NIGHT = new Date('2026-11-21T03:00:00Z');
const ENGINEER_PHONE = '+447700900555';
const KEYS: Record<string, (pin: string) => string> = {
  'enter-pin': (pin) => `${pin}#`,
  'main-menu': () => '1',
  'fault-critical-question': () => '1',
};

export interface RingFirstResult {
  calls: number;
  /** Critical key → the engineer's originate, each call (ms). */
  samples: number[];
  failures: string[];
}

export async function measureRingFirst(
  stores: LineStores,
  env: Record<string, string>,
  calls: number,
  log: (m: string) => void,
): Promise<RingFirstResult> {
  const engineer = await addEngineer(stores.db, { name: 'Bench Engineer', phone: ENGINEER_PHONE, dialTarget: null, email: null });
  await addShift(stores.db, { engineerId: engineer.id, level: 'primary', from: new Date(NIGHT.getTime() - 86_400_000), to: new Date(NIGHT.getTime() + 86_400_000) });
  const customer = stores.customers.find((c) => c.tier === 'Cat4');
  if (!customer) throw new Error('no Cat4 customer among the benchmark customers');

  const sim = new FakeAsterisk({ clock: new RealTimeClock(NIGHT), msPerWord: 350 });
  await sim.start();
  const party = sim.engineer(ENGINEER_PHONE).doesNotAnswer();
  let rung: ((at: number) => void) | null = null;
  const originated = party.onOriginated.bind(party);
  party.onOriginated = (ch: SimChannel) => {
    rung?.(performance.now());
    originated(ch);
  };
  let line: LineProcess | null = null;
  const samples: number[] = [];
  const failures: string[] = [];
  try {
    line = await startLineProcess({
      env: { ...env, ARI_URL: sim.url, ARI_USERNAME: sim.credentials.username, ARI_PASSWORD: sim.credentials.password, ARI_APP: sim.app, BENCH_SCENARIO_START_MS: String(NIGHT.getTime()) },
    });
    await until(async () => (await line!.status()).ari?.state === 'connected', 15_000, 'the ARI carrier to connect');
    for (let i = 0; i < calls; i++) {
      const caller = sim.call({ from: customer.phone });
      const channel = caller.channel;
      if (!channel) throw new Error('the simulator refused the call');
      let keyedAt = 0;
      const ringing = new Promise<number>((resolve) => {
        rung = resolve;
      });
      let keyed: () => void = () => undefined;
      const critical = new Promise<true>((resolve) => {
        keyed = () => resolve(true);
      });
      channel.party = {
        label: `critical caller ${i}`,
        answerAfterMs: null,
        busy: false,
        unreachable: false,
        onOriginated: () => undefined,
        onAnswered: () => undefined,
        onPlaybackStarted: () => undefined,
        onGone: () => undefined,
        onPlaybackFinished: (ch) => {
          const last = ch.heard[ch.heard.length - 1];
          const prompt = last && !last.cut ? last.media.replace(`sound:${sim.soundsFolder}/`, '') : '';
          const keys = KEYS[prompt]?.(customer.pin);
          if (!keys) return;
          setTimeout(() => {
            sim.world.pressKeys(ch, keys);
            if (prompt === 'fault-critical-question') {
              keyedAt = performance.now();
              keyed();
            }
          }, 200);
        },
      };
      let failure: string | null = null;
      if ((await within(critical, IVR_LIMIT_MS)) === null) {
        failure = `call ${i}: the critical question was not answered within ${IVR_LIMIT_MS / 1000} s of the call's start`;
      } else {
        const at = await within(ringing, RING_LIMIT_MS);
        if (at === null) failure = `call ${i}: the engineer was not rung within ${RING_LIMIT_MS / 1000} s of the critical key`;
        else samples.push(at - keyedAt);
      }
      if (failure !== null) {
        failures.push(`${failure} (the caller heard: ${heardBy(channel, sim.soundsFolder)})`);
        if (process.env['BENCH_DEBUG']) process.stderr.write(`${line.tail()}\n`);
      }
      sim.world.hangup(channel, 16, 'far-end');
      await until(async () => (await line!.status()).ari?.pendingWork === 0 && (await openCalls(stores)) === 0, 30_000, 'the call to close');
    }
    log(`ari: critical key → engineer ringing over ${samples.length} calls: ${samples.map((s) => s.toFixed(1)).join(', ')} ms`);
    return { calls, samples, failures };
  } finally {
    await line?.stop();
    await sim.stop();
  }
}

function heardBy(channel: SimChannel, folder: string): string {
  return channel.heard.map((h) => h.media.replace(`sound:${folder}/`, '') + (h.cut ? ' (cut)' : '')).join(', ') || 'nothing';
}

async function openCalls(stores: LineStores): Promise<number> {
  const [row] = await stores.db.query<{ n: string }>('select count(*) as n from calls where ended_at is null');
  return Number(row?.n ?? 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The IVR up to the critical key at 350 ms a word is about 35 s; room for a loaded machine. */
const IVR_LIMIT_MS = 120_000;
const RING_LIMIT_MS = 30_000;

/** What the promise gives if it settles within the time, else null (the timer is cleared). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
