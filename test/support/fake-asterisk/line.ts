// A support line on the simulated Asterisk for scenario tests: the real call service
// on a fresh Postgres database and Redis, the real ARI carrier, and one virtual clock
// for all of them (the call service reads it too, so calendar routes follow it).
import type { Logger } from 'pino';
import { createCallService, type CallService } from '../../../src/calls/call-service.ts';
import { pgCallRecords } from '../../../src/calls/pg-records.ts';
import type { CallDriver } from '../../../src/calls/types.ts';
import type { AriSettings } from '../../../src/carriers/ari/settings.ts';
import type { Db } from '../../../src/store/db.ts';
import type { LiveStore } from '../../../src/store/live/live-store.ts';
import { callTimeline, findCallByCarrierId, type CallEvent, type CallRecord } from '../../../src/store/calls.ts';
import { getTicket } from '../../../src/store/tickets.ts';
import { VirtualClock } from './clock.ts';
import { startAsteriskHarness, testLogger, type AsteriskHarness } from './harness.ts';
import type { RoundTrips } from './round-trips.ts';
import type { Caller } from './parties.ts';

export interface AsteriskLineOptions {
  db: Db;
  live: LiveStore;
  /** The instant the test starts at (virtual). */
  at: string;
  ringSeconds?: number;
  rounds?: number;
  /** The call service's DESK_OVERFLOW_SECONDS (the flow puts it on each connectDesk). */
  deskRingSeconds?: number;
  settings?: Partial<AriSettings>;
  /** Wraps the call driver (to make it fail, or watch it). */
  driver?: (calls: CallService) => CallDriver;
  /** Leave the carrier unconnected (the test starts it). */
  connect?: boolean;
  /** Where both the call service and the carrier log (silent by default). */
  logger?: Logger;
  /** Counts the call service's Postgres and Redis calls. */
  roundTrips?: RoundTrips;
}

export interface AsteriskLine extends AsteriskHarness {
  calls: CallService;
  /** The call (and its ticket) Postgres holds for a simulated caller. */
  callOf(caller: Caller): Promise<{ call: CallRecord; ticket: Awaited<ReturnType<typeof getTicket>>; timeline: CallEvent[] }>;
}

export async function startAsteriskLine(options: AsteriskLineOptions): Promise<AsteriskLine> {
  const clock = new VirtualClock(options.at);
  const calls = createCallService({
    records: options.roundTrips ? options.roundTrips.records(pgCallRecords(options.db)) : pgCallRecords(options.db),
    live: options.roundTrips ? options.roundTrips.live(options.live) : options.live,
    logger: options.logger ?? testLogger(),
    clock: () => clock.now(),
    config: { division: 'england-and-wales', ringSeconds: options.ringSeconds ?? 25, rounds: options.rounds ?? 2, deskRingSeconds: options.deskRingSeconds ?? 60 },
  });
  const harness = await startAsteriskHarness({
    driver: options.driver ? options.driver(calls) : calls,
    clock,
    settings: options.settings,
    connect: options.connect,
    logger: options.logger,
  });
  return {
    sim: harness.sim,
    clock: harness.clock,
    get carrier() {
      return harness.carrier;
    },
    restartCarrier: () => harness.restartCarrier(),
    violations: () => harness.violations(),
    calls,
    async close() {
      await harness.close();
      await calls.close();
    },
    async callOf(caller: Caller) {
      await harness.sim.settle();
      const call = await findCallByCarrierId(options.db, 'asterisk', caller.channelId);
      if (!call) throw new Error(`no call recorded for channel ${caller.channelId}`);
      const ticket = call.ticketId ? await getTicket(options.db, { id: call.ticketId }) : null;
      return { call, ticket, timeline: await callTimeline(options.db, call.id) };
    },
  };
}
