// Wires the simulated Asterisk, the real ARI carrier and a call driver onto one
// virtual clock, and teaches the simulator when the whole system is idle.
import pino, { type Logger } from 'pino';
import type { CallDriver } from '../../../src/calls/types.ts';
import { createAriCarrier, type AriCarrier } from '../../../src/carriers/ari/carrier.ts';
import type { AriSettings } from '../../../src/carriers/ari/settings.ts';
import { VirtualClock } from './clock.ts';
import { carrierIdle } from './idle.ts';
import { FakeAsterisk, type FakeAsteriskOptions } from './server.ts';

export function testLogger(): Logger {
  return pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
}

export function defaultSettings(sim: FakeAsterisk, overrides: Partial<AriSettings> = {}): AriSettings {
  return {
    url: sim.url,
    username: sim.credentials.username,
    password: sim.credentials.password,
    app: sim.app,
    callerId: '+441632960000',
    engineerDialTemplate: 'PJSIP/{number}@trunk',
    deskContext: 'desk',
    deskExtensions: { support: 'support', billing: 'billing' },
    soundsFolder: sim.soundsFolder,
    ...overrides,
  };
}

export interface AsteriskHarness {
  sim: FakeAsterisk;
  clock: VirtualClock;
  readonly carrier: AriCarrier;
  /** This process restarts: the carrier is replaced by a new one on the same call service. */
  restartCarrier(): Promise<AriCarrier>;
  close(): Promise<void>;
  /** Everything the line asked of Asterisk that real Asterisk would have refused. */
  violations(): string[];
}

export async function startAsteriskHarness(options: {
  driver: CallDriver;
  clock?: VirtualClock;
  settings?: Partial<AriSettings>;
  sim?: FakeAsteriskOptions;
  /** Leave the carrier unconnected (a test starts it itself). */
  connect?: boolean;
  logger?: Logger;
}): Promise<AsteriskHarness> {
  const clock = options.clock ?? new VirtualClock();
  const sim = new FakeAsterisk({ ...options.sim, clock });
  await sim.start();
  const settings = defaultSettings(sim, options.settings);
  const makeCarrier = (): AriCarrier => {
    const made = createAriCarrier({
      settings,
      driver: options.driver,
      logger: options.logger ?? testLogger(),
      timers: clock,
      connection: { backoff: { initialMs: 500, maxMs: 30_000 }, keepaliveMs: null, random: () => 0.5, requestTimeoutMs: 5_000 },
    });
    sim.idleProbe = () => carrierIdle(sim, made);
    return made;
  };
  let carrier = makeCarrier();
  if (options.connect !== false) {
    carrier.start();
    await sim.until(() => carrier.status().state === 'connected', 'the carrier to connect');
  }
  return {
    sim,
    clock,
    get carrier() {
      return carrier;
    },
    async restartCarrier() {
      await carrier.stop();
      carrier = makeCarrier();
      carrier.start();
      return carrier;
    },
    async close() {
      // Let what is already on its way land (a hangup just sent ends its call and frees its engineer).
      await sim.settle().catch(() => undefined);
      await carrier.stop();
      await sim.stop();
    },
    violations: () => sim.violations.map((v) => `${v.kind}: ${v.message}${v.request ? ` (${v.request})` : ''}`),
  };
}
