// Who is calling, over Asterisk: caller ID or the keypad, PINs (never written down),
// barge-in, silence and wrong keys, and callers who give up half way.
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startAsteriskLine, type AsteriskLine } from '../support/fake-asterisk/line.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

const OFFICE = '2026-11-18T10:00:00Z';
const { cat4, cat2, cat1, wrongPin } = CUSTOMERS;

let line: AsteriskLine | undefined;
let logs: string[] = [];
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  const violations = line?.violations() ?? [];
  await line?.close();
  line = undefined;
  expect(violations).toEqual([]);
});

async function lineAt(at: string): Promise<AsteriskLine> {
  logs = [];
  const logger = pino({ level: 'trace' }, { write: (l: string) => void logs.push(l) });
  line = await startAsteriskLine({ db: fresh.db, live: redis.store, at, logger });
  return line;
}

/** The digits as a value of their own (not inside an id or a timestamp, where they may occur by chance). */
const standalone = (digits: string) => new RegExp(`(^|[^0-9A-Za-z-])${digits}#?([^0-9A-Za-z-]|$)`);

describe('identification', () => {
  it('a known caller ID goes straight to the PIN', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat2.phone });
    await caller.hears('greeting', 'enter-pin').presses(`${cat2.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('2').isConnectedTo(desk).hangsUp();
    expect(caller.transcript).not.toContain('enter-account');
    expect((await callOf(caller)).call).toMatchObject({ tier: 'Cat2' });
  });

  it('an unknown number keys in the account number, then the PIN', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: '+441632960555' });
    await caller
      .hears('greeting', 'enter-account')
      .presses(`${cat1.number}#`)
      .hears('enter-pin')
      .presses(`${cat1.pin}#`)
      .hears('main-menu')
      .presses('1')
      .hears('fault-critical-question')
      .presses('2')
      .isConnectedTo(desk)
      .hangsUp();
    const { call, timeline } = await callOf(caller);
    expect(call.tier).toBe('Cat1');
    // The account number may be written down; the PIN never is, in the timeline or the logs.
    const keys = timeline.filter((e) => e.type === 'keys');
    expect(keys.find((e) => e.detail['question'] === 'account')?.detail['digits']).toBe(cat1.number);
    expect(keys.find((e) => e.detail['question'] === 'pin')?.detail['digits']).toBe('•'.repeat(cat1.pin.length));
    expect(JSON.stringify(timeline)).not.toMatch(standalone(cat1.pin));
    expect(logs.join('\n')).not.toMatch(standalone(cat1.pin));
  });

  it('three wrong PINs end the call without reaching the menu', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const caller = sim.call({ from: wrongPin.phone });
    await caller
      .hears('enter-pin')
      .presses('1111#')
      .hears('not-verified', 'enter-pin')
      .presses('2222#')
      .hears('not-verified', 'enter-pin')
      .presses('3333#')
      .hears('auth-failed')
      .isHungUp();
    expect(caller.transcript).not.toContain('main-menu');
    const { call, timeline } = await callOf(caller);
    expect(call.outcome).toBe('refused');
    for (const pin of ['1111', '2222', '3333']) expect(JSON.stringify(timeline)).not.toMatch(standalone(pin));
  });
});

describe('keys and silence', () => {
  it('barge-in: a key during a question stops the prompt at once', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat4.phone });
    await caller.hears('greeting').presses(`${cat4.pin}#`).hears('main-menu');
    // The greeting and the PIN question were one playback, cut at the first key.
    expect(caller.transcript.slice(0, 2)).toEqual(['greeting (cut)', 'main-menu']);
    const stops = sim.sent.filter((e) => e['type'] === 'PlaybackFinished');
    expect(stops.length).toBeGreaterThan(0);
    await caller.presses('1').hears('fault-critical-question');
    expect(caller.transcript).toContain('main-menu (cut)');
    const { timeline } = await callOf(caller);
    expect(timeline.filter((e) => e.type === 'ari.barge-in').map((e) => e.detail['question'])).toEqual(['pin', 'menu']);
    await caller.hangsUp();
    // Each cut prompt is stamped at its key, not later: its entry comes from the
    // PlaybackFinished a stopped sound item sends at once (a `digits:` item would have
    // ignored the stop and sent it only when the whole playback had played out).
    const after = (await callOf(caller)).timeline;
    const at = (type: string, stopped?: boolean) =>
      after.filter((e) => e.type === type && (stopped === undefined || e.detail['stopped'] === stopped)).map((e) => e.at.toISOString());
    expect(at('ari.barge-in')).toHaveLength(2);
    expect(at('ari.playback', true)).toEqual(at('ari.barge-in'));
  });

  it('a key during a message (not a question) is ignored', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('2');
    await caller.hears('ticket-reference').presses('9').hears('connecting-desk').isConnectedTo(desk).hangsUp();
    expect(caller.transcript).toContain('ticket-reference');
    expect(caller.transcript).not.toContain('ticket-reference (cut)');
    const { timeline } = await callOf(caller);
    expect(timeline.find((e) => e.type === 'ari.key-ignored')?.detail).toEqual({ during: 'play' });
  });

  it('silence and invalid keys: re-prompts, then the safe default (the desk in office hours)', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat4.phone });
    await caller
      .hears('enter-pin')
      .presses(`${cat4.pin}#`)
      .hears('main-menu')
      .staysSilent()
      .hears('no-entry', 'main-menu')
      .presses('9')
      .hears('invalid-entry', 'main-menu')
      .staysSilent()
      .hears('no-entry', 'main-menu')
      .staysSilent()
      .hears('connecting-desk')
      .isConnectedTo(desk)
      .hangsUp();
    const { call } = await callOf(caller);
    expect(call.routeReason).toContain('safe default');
  });

  it('digits keyed slowly: a pause longer than the inter-digit timeout ends the entry', async () => {
    const { sim } = await lineAt(OFFICE);
    const caller = sim.call({ from: '+441632960556' });
    // "10" then a long pause: the line takes "10" (too short for an account number) and asks again.
    await caller.hears('enter-account').presses('10');
    const pressedAt = sim.clock.ms;
    await caller.hears('invalid-entry', 'enter-account').hangsUp();
    const retold = caller.channel?.heard.find((h) => h.media.endsWith('/invalid-entry'));
    expect((retold?.at ?? 0) - pressedAt).toBe(5_000);
  });

  it('a caller who hangs up mid-PIN is closed as abandoned', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses('48').hangsUp();
    expect((await callOf(caller)).call).toMatchObject({ outcome: 'abandoned', endReason: 'abandoned-before-identification', hangupCause: 'Normal Clearing' });
  });

  // Asterisk ends a playback cut by its channel's hang-up as failed ("Playback failed").
  it('a caller who hangs up during a prompt: the prompt is cut by the hang-up, not a playback failure', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('greeting').hangsUp();
    expect(sim.sent.filter((e) => e['type'] === 'PlaybackFinished').map((e) => (e['playback'] as { state: string }).state)).toEqual(['failed']);
    const { timeline } = await callOf(caller);
    expect(timeline.filter((e) => e.type === 'ari.playback-failed')).toEqual([]);
    expect(timeline.find((e) => e.type === 'ari.playback')?.detail).toMatchObject({ on: 'caller', stopped: false, hungUp: true });
  });
});
