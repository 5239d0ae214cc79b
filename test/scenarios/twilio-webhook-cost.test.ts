// What each Twilio webhook costs the stores. The signed URL names the call, so no
// webhook looks it up in Postgres; the call service checks the call is the CallSid's
// as it loads it; what Twilio reported goes in the step's own timeline write, and a
// webhook Twilio delivers twice writes nothing twice.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTimeline, findCallByCarrierId } from '../../src/store/calls.ts';
import { PROMPTS } from '../../src/domain/prompts.ts';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { PUBLIC_BASE_URL, startTwilioLine, type TwilioLine } from '../support/fake-twilio/line.ts';
import { newSid, type SentWebhook } from '../support/fake-twilio/simulator.ts';
import { RoundTrips } from '../support/fake-asterisk/round-trips.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();
const NIGHT = '2026-11-18T03:00:00Z';
const OFFICE = '2026-11-18T10:00:00Z';
const { cat4, cat1 } = CUSTOMERS;
const { sam } = ENGINEERS;

let line: TwilioLine;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  await line?.close();
});

interface Cost {
  webhook: string;
  byName: Record<string, number>;
}

/** Watches every webhook the simulator sends (one at a time) and what each cost the stores. */
function costPerWebhook(l: TwilioLine, trips: RoundTrips): Cost[] {
  const costs: Cost[] = [];
  const send = l.sim.send.bind(l.sim);
  l.sim.send = async (url, params, opts) => {
    trips.reset();
    const sent = await send(url, params, opts);
    const u = new URL(url);
    const on = u.searchParams.get('on') ?? u.searchParams.get('leg');
    costs.push({ webhook: u.pathname.replace('/twilio', '') + (on ? `:${on}` : ''), byName: trips.byName });
    return sent;
  };
  return costs;
}

const lastWebhook = (l: TwilioLine, test: (w: SentWebhook) => boolean): SentWebhook => {
  const found = [...l.sim.webhooks].reverse().find(test);
  if (!found) throw new Error('no such webhook sent');
  return found;
};

async function timelineOf(callSid: string) {
  const call = await findCallByCarrierId(fresh.db, 'twilio', callSid);
  if (!call) throw new Error(`no call for ${callSid}`);
  return callTimeline(fresh.db, call.id);
}

/**
 * The session read claims the step cluster-wide in the same script; the session put and
 * the console's update go in one pipeline: two round trips to Redis, one write to Postgres.
 */
const ONE_STEP = { 'pg.appendTimeline': 1, 'redis.getSessionAndLock': 1, 'redis.putSession': 1 };
/**
 * A key the flow answers alone, on the session this instance last wrote: the new session,
 * its answer and the console's update in one swap that also checks the step is nobody
 * else's: one round trip to Redis, one write to Postgres.
 */
const ONE_KEY = { 'pg.appendTimeline': 1, 'redis.swapSession': 1 };

describe('Twilio webhooks and the stores', () => {
  it('an on-call call, webhook by webhook: no call lookup, one timeline write each', async () => {
    const trips = new RoundTrips();
    line = await startTwilioLine({ db: fresh.db, live: redis.store, at: NIGHT, roundTrips: trips });
    const costs = costPerWebhook(line, trips);
    const { sim } = line;
    sim.engineer(sam.phone).answers({ afterSeconds: 4 }).presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.hears('greeting', 'enter-pin').presses(`${cat4.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('1').isConnectedTo(sam.phone).hangsUp();

    const of = (webhook: string) => costs.filter((c) => c.webhook === webhook).map((c) => c.byName);
    const [pin, menu, critical] = of('/step:gather');
    // On the session this instance wrote: the step claimed with the PIN attempt reserved (one
    // swap that puts nothing), the right PIN settled with the put (was: read, reserve, settle, put).
    expect(pin).toEqual({ 'pg.appendTimeline': 1, 'pg.findAccountForPin': 1, 'redis.swapSession': 1, 'redis.putSession': 1 });
    expect(menu).toEqual(ONE_KEY);
    // Ringing the engineer first (TWILIO_RING_FIRST) claims the ring once cluster-wide (CallDriver.once): claimed in the step's put, its answer swapped in (was: claim, reread, save).
    const ring = line.ringFirst ? { 'redis.swapSession': 1 } : {};
    expect(critical).toEqual({ ...ONE_STEP, 'pg.createTicket': 1, 'pg.updateCall': 1, 'pg.rotaAt': 1, 'redis.acquireLock': 1, ...ring });
    expect(of('/screen')).toEqual([ONE_STEP]);
    expect(of('/screen-result')).toEqual([{ ...ONE_STEP, 'pg.markResponded': 1 }]);
    // Only the number's own status callback (its URL names no call) looks the call up.
    const lookups = costs.filter((c) => c.byName['pg.findCallId']).map((c) => c.webhook);
    expect(lookups).toEqual(['/voice', '/status']);
    for (const c of costs) expect(c.byName['pg.appendTimeline'] ?? 0, c.webhook).toBeLessThanOrEqual(1);

    // Every webhook's facts are on the timeline all the same.
    const types = (await timelineOf(caller.callSid)).map((e) => e.type);
    expect(types.filter((t) => t === 'twilio.webhook')).toHaveLength(4);
    expect(types).toEqual(expect.arrayContaining(['twilio.call', 'twilio.engineer-answered', 'twilio.screen', 'twilio.engineer-leg', 'twilio.status']));
  });

  it('a key press Twilio delivers twice: one answer, one keys entry, one webhook note', async () => {
    line = await startTwilioLine({ db: fresh.db, live: redis.store, at: OFFICE });
    const { sim } = line;
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu');
    const pin = lastWebhook(line, (w) => w.url.includes('purpose=pin'));
    expect((await sim.replay(pin)).body).toBe(pin.body);
    const timeline = await timelineOf(caller.callSid);
    expect(timeline.filter((e) => e.type === 'twilio.webhook')).toHaveLength(1);
    expect(timeline.filter((e) => e.type === 'keys')).toHaveLength(1);
    // The PIN stays dots in Twilio's facts too.
    expect(timeline.find((e) => e.type === 'twilio.webhook')?.detail).toMatchObject({ purpose: 'pin', digits: '••••' });
    expect(JSON.stringify(timeline)).not.toContain(cat1.pin);
    await caller.hangsUp();
  });

  it('a signed step URL of one call posted with another CallSid: the safe route, and the call is untouched', async () => {
    line = await startTwilioLine({ db: fresh.db, live: redis.store, at: OFFICE });
    const { sim } = line;
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin');
    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    const stranger = newSid('CA');
    const params = { ...sim.callParams({ sid: stranger, from: cat1.phone, to: sim.lineNumber, status: 'in-progress', direction: 'inbound' }), Digits: cat1.pin, FinishedOnKey: '#' };
    const res = await sim.send(`${PUBLIC_BASE_URL}/twilio/step?call=${call!.id}&step=1&on=gather&purpose=pin&secret=1`, params);
    expect(res.status).toBe(200);
    expect(res.body).toContain(PROMPTS['connecting-desk']);
    expect(line.log.warnings('does not know')).toHaveLength(1);
    expect((await line.calls.snapshot(call!.id))?.phase).toBe('pin');
    expect((await timelineOf(caller.callSid)).map((e) => e.type)).not.toContain('twilio.webhook');
    // The real caller carries on.
    await caller.presses(`${cat1.pin}#`).hears('main-menu').hangsUp();
  });
});
