// When the simulated Asterisk and an ARI client have nothing between them.
import type { AriCarrier } from '../../../src/carriers/ari/carrier.ts';
import type { AriClient } from '../../../src/carriers/ari/client.ts';
import type { FakeAsterisk } from './server.ts';

/** Idle when no request, event or connection attempt is between the two sides. */
export function clientIdle(sim: FakeAsterisk, client: AriClient): boolean {
  // A request Asterisk holds (parked) waits on virtual time, which only moves when idle.
  if (sim.inFlight > sim.parked || client.rest.inFlight > sim.parked || client.connecting) return false;
  const sent = sim.sentOnSocket();
  const connected = client.status().state === 'connected';
  if (sent === null) return !connected;
  return connected && client.eventsOnSocket === sent;
}

/**
 * Idle when nothing but requests Asterisk holds is under way: each held request is
 * awaited by one call's running task (the tasks queued behind it wait for it too), and
 * no other promise is outstanding. Without held requests, simply nothing pending.
 */
export function carrierIdle(sim: FakeAsterisk, carrier: AriCarrier): boolean {
  if (!clientIdle(sim, carrier.client)) return false;
  if (sim.parked === 0) return carrier.pendingWork() === 0;
  const work = carrier.workInParts();
  return work.requests === sim.parked && work.running === sim.parked && work.tracked === 0;
}
