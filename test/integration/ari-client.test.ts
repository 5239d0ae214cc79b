// The ARI client against the simulated Asterisk: it connects, survives Asterisk being
// down, restarting or refusing credentials, and never lets a bad frame through.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AriClient } from '../../src/carriers/ari/client.ts';
import type { AriEvent } from '../../src/carriers/ari/events.ts';
import { AriHttpError } from '../../src/carriers/ari/rest.ts';
import { FakeAsterisk, VirtualClock } from '../support/fake-asterisk/index.ts';
import { clientIdle } from '../support/fake-asterisk/idle.ts';

interface Rig {
  sim: FakeAsterisk;
  client: AriClient;
  events: AriEvent[];
  logs: Array<{ msg: string; level: number }>;
  connects: number;
}

const rigs: Rig[] = [];

async function rig(options: { password?: string; startSim?: boolean } = {}): Promise<Rig> {
  const clock = new VirtualClock();
  const sim = new FakeAsterisk({ clock });
  await sim.start();
  if (options.startSim === false) await sim.stop();
  const logs: Rig['logs'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Rig['logs'][number]);
      done();
    },
  });
  const client = new AriClient({
    url: sim.url,
    username: 'asterisk',
    password: options.password ?? 'secret',
    app: 'support-line',
    logger: pino({ level: 'debug' }, sink),
    timers: clock,
    keepaliveMs: null,
    random: () => 0.5,
    backoff: { initialMs: 500, maxMs: 30_000 },
  });
  const r: Rig = { sim, client, events: [], logs, connects: 0 };
  sim.idleProbe = () => clientIdle(sim, client);
  client.start({ onEvent: (e) => r.events.push(e), onConnected: () => (r.connects += 1) });
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.client.stop();
    await r.sim.stop();
  }
});

const stateLogs = (r: Rig, state: string) => r.logs.filter((l) => l.msg === `ARI ${state}`).length;

describe('ARI client', () => {
  it('connects with Basic auth, learns the Asterisk version and calls REST', async () => {
    const r = await rig();
    await r.sim.until(() => r.client.status().state === 'connected', 'connected');
    await r.sim.settle();
    expect(r.client.status()).toMatchObject({ state: 'connected', reconnects: 0, asteriskVersion: '22.10.1' });
    expect(await r.client.rest.listChannels()).toEqual([]);
    await expect(r.client.rest.getChannel('nope')).rejects.toMatchObject({ status: 404, message: 'Channel not found' });
    expect(r.sim.violations).toEqual([]);
  });

  it('refused credentials: reports auth-failed once, keeps trying, never throws', async () => {
    const r = await rig({ password: 'wrong' });
    await r.sim.advance(10 * 60_000);
    expect(r.client.status()).toMatchObject({ state: 'auth-failed', reconnects: 0 });
    expect(r.client.status().lastError).toContain('401');
    expect(stateLogs(r, 'auth-failed')).toBe(1);
    // Backoff grows to the cap (30 s, jittered to 22.5 s here) and then keeps trying.
    expect(r.sim.upgradeAttempts.length).toBeGreaterThan(20);
    const gaps = r.sim.upgradeAttempts.slice(1).map((t, i) => t - (r.sim.upgradeAttempts[i] as number));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
    expect(gaps.at(-1)).toBe(22_500);
    await expect(r.client.rest.listChannels()).rejects.toMatchObject({ status: 401 });
  });

  it('Asterisk down for ten minutes: down, logged once, connects within the backoff cap of its return', async () => {
    const r = await rig({ startSim: false });
    await r.sim.advance(10 * 60_000);
    expect(r.client.status().state).toBe('down');
    expect(stateLogs(r, 'down')).toBe(1);
    await expect(r.client.rest.ping()).rejects.toBeInstanceOf(AriHttpError);
    await expect(r.client.rest.ping()).rejects.toMatchObject({ status: 0 });
    await r.sim.start();
    const back = r.sim.clock.ms;
    await r.sim.until(() => r.client.status().state === 'connected', 'connected again', { withinMs: 30_000 });
    expect(r.sim.clock.ms - back).toBeLessThanOrEqual(30_000);
    expect(r.connects).toBe(1);
  });

  it('a dropped event socket comes back and counts a reconnect', async () => {
    const r = await rig();
    await r.sim.until(() => r.client.status().state === 'connected', 'connected');
    r.sim.dropEventSockets();
    await r.sim.until(() => r.client.status().state === 'down', 'noticed the drop');
    await r.sim.until(() => r.client.status().state === 'connected', 'connected again', { withinMs: 2_000 });
    expect(r.client.status().reconnects).toBe(1);
    expect(r.connects).toBe(2);
    expect(stateLogs(r, 'connected')).toBe(2);
  });

  it('a restart (stop, start) is survived the same way', async () => {
    const r = await rig();
    await r.sim.until(() => r.client.status().state === 'connected', 'connected');
    await r.sim.restart();
    await r.sim.until(() => r.client.status().reconnects === 1, 'reconnected');
    expect(r.client.status().state).toBe('connected');
  });

  it('ignores unknown event types, malformed frames and other applications', async () => {
    const r = await rig();
    await r.sim.until(() => r.client.status().state === 'connected', 'connected');
    r.sim.sendRaw('not json');
    r.sim.sendRaw(JSON.stringify({ type: 'ChannelTalkingStarted', application: 'support-line', timestamp: 'x' }));
    r.sim.sendRaw(JSON.stringify({ type: 'StasisStart', application: 'support-line', timestamp: 'x', args: [] }));
    r.sim.sendRaw(JSON.stringify({ type: 'PlaybackStarted', application: 'other-app', timestamp: 'x', playback: { id: 'p', media_uri: 'sound:x', target_uri: 'channel:1', state: 'playing' } }));
    r.sim.sendRaw(JSON.stringify({ type: 'PlaybackStarted', application: 'support-line', timestamp: 'x', playback: { id: 'p', media_uri: 'sound:x', target_uri: 'channel:1', state: 'playing' } }));
    await r.sim.settle();
    expect(r.events.map((e) => e.type)).toEqual(['PlaybackStarted']);
    expect(r.logs.filter((l) => l.msg === 'ARI event ignored')).toHaveLength(3);
  });
});
