// A caller rings while no instance holds the Asterisk application: the dialplan rings
// the desk, then records a message itself. When the line connects it finds that
// message and logs it as a call with a message ticket, so the desk calls back.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTimeline, findCallByCarrierId, openCall } from '../../src/store/calls.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { FALLBACK_SWEEP_MS } from '../../src/carriers/ari/fallback-sweep.ts';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startAsteriskLine, type AsteriskLine } from '../support/fake-asterisk/line.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

// Wednesday 18 November 2026, 21:00 GMT: the office is closed.
const EVENING = '2026-11-18T21:00:00Z';
const { cat1 } = CUSTOMERS;

let line: AsteriskLine | undefined;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  await line?.close();
  line = undefined;
});

async function ticketEvents(ticketId: string) {
  return fresh.db.query<{ type: string }>('select type from ticket_events where ticket_id = $1 order by id', [ticketId]);
}

describe('a message the dialplan took while the line was not connected', () => {
  it('is logged as a call with a message ticket and its recording once the line connects', async () => {
    line = await startAsteriskLine({ db: fresh.db, live: redis.store, at: EVENING, connect: false });
    const { sim, carrier } = line;
    const caller = sim.call({ from: cat1.phone, leavesFallbackMessage: { seconds: 20 } });
    expect(caller.rejected).toBe(true);
    const name = `support-line/fallback-20261118T210000Z-${cat1.phone}`;
    expect([...sim.world.stored.keys()]).toEqual([name]);

    carrier.start();
    await sim.until(() => carrier.status().state === 'connected', 'the line to connect');
    await sim.settle();

    const call = await findCallByCarrierId(fresh.db, 'asterisk', name);
    expect(call).toMatchObject({
      from: cat1.phone,
      startedAt: new Date(EVENING),
      outcome: 'message',
      endReason: 'message-left-in-dialplan-fallback',
      route: 'voicemail',
      recordingName: name,
    });
    const ticket = await getTicket(fresh.db, { id: call!.ticketId! });
    expect(ticket).toMatchObject({ kind: 'message', accountId: null, route: 'voicemail', recordingName: name });
    expect((await callTimeline(fresh.db, call!.id)).map((e) => e.type)).toEqual(['dialplan-fallback-message']);
  });

  it('is logged once, however often it is swept and whichever instance sweeps it; a restarted line says it was logged already', async () => {
    const said: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        const entry = JSON.parse(chunk.toString()) as Record<string, unknown>;
        if ('alreadyLogged' in entry) said.push({ logged: entry['logged'], alreadyLogged: entry['alreadyLogged'], msg: entry['msg'] });
        done();
      },
    });
    line = await startAsteriskLine({ db: fresh.db, live: redis.store, at: EVENING, connect: false, logger: pino({ level: 'info' }, sink) });
    const { sim } = line;
    sim.call({ from: '+447700900555', leavesFallbackMessage: { seconds: 8 } });
    line.carrier.start();
    await sim.until(() => line!.carrier.status().state === 'connected', 'the line to connect');
    await sim.settle();
    // The periodic sweep, and a restarted process that remembers nothing.
    await sim.advance(FALLBACK_SWEEP_MS);
    await sim.settle();
    await line.restartCarrier();
    await sim.until(() => line!.carrier.status().state === 'connected', 'the line to reconnect');
    await sim.settle();
    expect(await line.carrier.fallback.sweep()).toEqual({ logged: 0, alreadyLogged: 0 });
    expect(said).toEqual([
      { logged: 1, alreadyLogged: 0, msg: 'messages the dialplan took while the line was not connected: logged 1 new, 0 already logged' },
      { logged: 0, alreadyLogged: 1, msg: 'messages the dialplan took while the line was not connected: logged 0 new, 1 already logged' },
    ]);

    const calls = await fresh.db.query<{ id: string; ticket_id: string }>(`select id, ticket_id from calls where from_number = '+447700900555'`);
    expect(calls).toHaveLength(1);
    expect((await ticketEvents(calls[0]!.ticket_id)).map((e) => e.type)).toEqual(['created', 'recording']);
    // Still on Asterisk, under the name the ticket keeps (the console plays it, retention deletes it).
    expect(line.sim.world.stored.has(`support-line/fallback-20261118T210000Z-+447700900555`)).toBe(true);
  });

  it('a message logged before a crash that stopped short of closing its call is finished, and counted as new', async () => {
    line = await startAsteriskLine({ db: fresh.db, live: redis.store, at: EVENING, connect: false });
    const { sim } = line;
    sim.call({ from: '+447700900556', leavesFallbackMessage: { seconds: 8 } });
    const name = 'support-line/fallback-20261118T210000Z-+447700900556';
    // As if a process had opened the call and died.
    await openCall(fresh.db, { id: '5d7e0c1a-0000-4000-8000-000000000001', carrier: 'asterisk', carrierCallId: name, from: '+447700900556', to: '', startedAt: new Date(EVENING) });
    line.carrier.start();
    await sim.until(() => line!.carrier.status().state === 'connected', 'the line to connect');
    await sim.settle();
    const call = await findCallByCarrierId(fresh.db, 'asterisk', name);
    expect(call).toMatchObject({ id: '5d7e0c1a-0000-4000-8000-000000000001', outcome: 'message', recordingName: name });
    expect(call?.ticketId).not.toBeNull();
  });

  it('leaves the line’s own voicemails and any other recording alone', async () => {
    line = await startAsteriskLine({ db: fresh.db, live: redis.store, at: EVENING });
    const { sim } = line;
    await sim.settle();
    sim.world.stored.set('support-line/9d0f3c2e-0000-4000-8000-000000000000', { name: 'support-line/9d0f3c2e-0000-4000-8000-000000000000', format: 'wav', duration: 12 });
    sim.world.stored.set('support-line/fallback-notatime-123', { name: 'support-line/fallback-notatime-123', format: 'wav', duration: 3 });
    expect(await line.carrier.fallback.sweep()).toEqual({ logged: 0, alreadyLogged: 0 });
  });
});
