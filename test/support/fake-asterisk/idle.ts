// When the simulated Asterisk and an ARI client have nothing between them.
import type { AriClient } from '../../../src/carriers/ari/client.ts';
import type { FakeAsterisk } from './server.ts';

/** Idle when no request, event or connection attempt is between the two sides. */
export function clientIdle(sim: FakeAsterisk, client: AriClient): boolean {
  if (sim.inFlight > 0 || client.rest.inFlight > 0 || client.connecting) return false;
  const sent = sim.sentOnSocket();
  const connected = client.status().state === 'connected';
  if (sent === null) return !connected;
  return connected && client.eventsOnSocket === sent;
}
