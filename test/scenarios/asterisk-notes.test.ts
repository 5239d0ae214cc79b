// What the Asterisk carrier's own facts (barge-in, playbacks, legs) cost a call: they
// ride along with the next step into the same timeline write, so a key press costs the
// stores what the flow needs and no more; the PIN stays masked throughout.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startAsteriskLine, type AsteriskLine } from '../support/fake-asterisk/line.ts';
import { RoundTrips } from '../support/fake-asterisk/round-trips.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

const OFFICE = '2026-11-18T10:00:00Z';
const { cat1, cat4 } = CUSTOMERS;

let line: AsteriskLine | undefined;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  const violations = line?.violations() ?? [];
  await line?.close();
  line = undefined;
  expect(violations).toEqual([]);
});

/** A key the flow answers alone, on the session this instance wrote: one swap in Redis, one write to Postgres. */
const ONE_KEY = { 'pg.appendTimeline': 1, 'redis.swapSession': 1 };

describe('carrier facts on the timeline', () => {
  it('a PIN typed over the greeting, then a menu key: each costs one step, barge-in and playbacks included', async () => {
    const trips = new RoundTrips();
    line = await startAsteriskLine({ db: fresh.db, live: redis.store, at: OFFICE, roundTrips: trips });
    const { sim } = line;
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('greeting');
    await sim.settle();
    // The answer note went with the start: one timeline write for the whole first step.
    expect(trips.byName).toMatchObject({ 'pg.appendTimeline': 1, 'redis.putSession': 1 });

    trips.reset();
    await caller.presses(`${cat1.pin}#`).hears('main-menu');
    await sim.settle();
    // Five keys, a barge-in and a cut playback: still one step (plus the PIN check's own read).
    // On the session this instance wrote, the attempt is reserved as the session is compared
    // and the right PIN settled with the put: two round trips to Redis (was four: read,
    // reserve, settle, put).
    expect(trips.byName).toEqual({ 'pg.appendTimeline': 1, 'pg.findAccountForPin': 1, 'redis.swapSession': 1, 'redis.putSession': 1 });

    trips.reset();
    await caller.presses('1').hears('fault-critical-question');
    await sim.settle();
    expect(trips.byName).toEqual(ONE_KEY);

    await caller.presses('2').isConnectedTo(desk).hangsUp();
    const { timeline } = await line.callOf(caller);
    const types = timeline.map((e) => e.type);
    // Numbered without a gap, each carrier fact just before the step it came with.
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
    expect(types.slice(0, 2)).toEqual(['ari.answered', 'call-started']);
    const pinKeys = types.indexOf('keys');
    expect(types.slice(pinKeys - 1, pinKeys + 1)).toEqual(['ari.barge-in', 'keys']);
    expect(timeline.find((e) => e.type === 'ari.playback')?.detail).toMatchObject({ on: 'caller', media: ['greeting', 'keys-help', 'enter-pin'], stopped: true });
    expect(timeline.filter((e) => e.type === 'ari.barge-in').map((e) => e.detail['question'])).toEqual(['pin', 'menu', 'critical']);
    // No note per key: the flow's own entry has the whole entry, the PIN masked.
    expect(types).not.toContain('ari.key');
    expect(timeline[pinKeys]?.detail).toEqual({ digits: '••••', question: 'pin' });
    expect(JSON.stringify(timeline)).not.toContain(cat1.pin);
    expect(types).toEqual(expect.arrayContaining(['ari.desk-dialled', 'ari.desk-answered', 'ari.bridged', 'ari.hangup-cause']));
  });

  it('facts after the last step (an engineer joined, then the end) still reach the timeline', async () => {
    line = await startAsteriskLine({ db: fresh.db, live: redis.store, at: '2026-11-18T03:00:00Z' });
    const { sim } = line;
    const engineer = sim.engineer(ENGINEERS.sam.phone).answersAfter(2_000).presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.hears('enter-pin').presses(`${cat4.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('1');
    await caller.isConnectedTo(engineer);
    await sim.settle();
    // The bridge is written while the two talk, not only when they hang up.
    const during = await line.callOf(caller);
    expect(during.timeline.map((e) => e.type)).toContain('ari.bridged');
    await caller.hangsUp();
    const { timeline } = await line.callOf(caller);
    expect(timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['ari.engineer-key', 'ari.leg-result', 'ari.bridged', 'ari.bridge-destroyed', 'ari.hangup-cause']));
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
  });
});
