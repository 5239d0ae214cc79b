// The simulated Asterisk is only worth testing against if it is as strict as the real
// one: these requests are the kind real Asterisk refuses, and it must refuse them too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeAsterisk, SUBSET_FILE, loadSubset } from '../support/fake-asterisk/index.ts';

let sim: FakeAsterisk;
beforeEach(async () => {
  sim = new FakeAsterisk();
  await sim.start();
});
afterEach(async () => {
  await sim.stop();
});

const auth = () => `Basic ${Buffer.from('asterisk:secret').toString('base64')}`;

async function ari(method: string, path: string, init: { auth?: boolean; body?: unknown } = {}) {
  const response = await fetch(`${sim.url}/ari${path}`, {
    method,
    headers: {
      ...(init.auth === false ? {} : { Authorization: auth() }),
      ...(init.body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

/** Polls until the condition holds (events travel on their own socket). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 1));
  }
}

const requestViolations = () => sim.violations.filter((v) => v.kind === 'request').map((v) => v.message);

describe('simulated Asterisk', () => {
  it('asks for credentials like Asterisk (Basic or api_key)', async () => {
    const refused = await ari('GET', '/asterisk/info', { auth: false });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ message: 'Authentication required' });
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await ari('GET', '/asterisk/ping?api_key=asterisk:secret', { auth: false })).body).toMatchObject({ ping: 'pong' });
    expect((await ari('GET', '/asterisk/info')).body).toMatchObject({ system: { version: '22.10.1' } });
  });

  it('serves the API description with basePath rewritten to the address it was reached on', async () => {
    const listing = await ari('GET', '/api-docs/resources.json');
    expect(listing.body?.['basePath']).toBe(`${sim.url}/ari`);
    const channels = await ari('GET', '/api-docs/channels.json');
    expect(channels.body?.['basePath']).toBe(`${sim.url}/ari`);
    expect((await ari('GET', '/api-docs/resources.json', { auth: false })).status).toBe(401);
  });

  it('refuses and records what Asterisk would refuse', async () => {
    expect((await ari('POST', '/channels/nope/play')).status).toBe(400);
    expect((await ari('DELETE', '/channels/nope?reason=hungup')).status).toBe(400);
    expect((await ari('POST', '/channels?endpoint=PJSIP/x@trunk&app=support-line&timeout=soon')).status).toBe(400);
    expect((await ari('PUT', '/channels/nope/play?media=sound:x')).status).toBe(405);
    expect((await ari('GET', '/nothing/here')).status).toBe(404);
    expect((await ari('GET', '/channels/')).status).toBe(404);
    expect(requestViolations()).toEqual([
      'channels.play: missing required parameter "media"',
      'channels.hangup: "reason" must be one of normal, busy, congestion, no_answer, timeout, rejected, unallocated, normal_unspecified, number_incomplete, codec_mismatch, interworking, failure, answered_elsewhere; got "hungup"',
      'channels.originate: "timeout" must be a whole number, got "soon"',
      'method not allowed (allowed: POST)',
      'no such ARI resource',
      'empty path segment (a trailing / gives 404)',
    ]);
  });

  it('records misspelt parameters that Asterisk would silently ignore', async () => {
    const { status } = await ari('GET', '/channels?detail=true');
    expect(status).toBe(200);
    expect(requestViolations()).toEqual(['channels.list: unknown parameter "detail"']);
  });

  it('acts on channels only when they are in the application and in a state to', async () => {
    const originated = await ari('POST', '/channels?endpoint=PJSIP/+447700900123@trunk&app=support-line&appArgs=dialed,c1&channelId=leg-1');
    expect(originated).toMatchObject({ status: 200, body: { id: 'leg-1', state: 'Down' } });
    // Ringing, not yet in Stasis.
    expect((await ari('POST', '/channels/leg-1/play?media=sound:beep')).body).toEqual({ message: 'Channel not in Stasis application' });
    expect((await ari('POST', '/channels?endpoint=PJSIP/+447700900123@trunk&app=support-line&channelId=leg-1')).status).toBe(409);
    expect((await ari('POST', '/channels?endpoint=nonsense&app=support-line')).body).toEqual({ message: 'Endpoint must be specified' });
    expect((await ari('POST', '/channels?endpoint=PJSIP/x')).body).toEqual({ message: 'Application or extension must be specified' });
    expect((await ari('GET', '/playbacks/none')).status).toBe(404);
    expect((await ari('DELETE', '/channels/leg-1?reason=no_answer')).status).toBe(204);
    expect((await ari('GET', '/channels/leg-1')).status).toBe(404);
  });

  it('channel variables and continueInDialplan on a channel in the application', async () => {
    const sent: string[] = [];
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=support-line&api_key=asterisk:secret`);
    ws.on('message', (data) => sent.push((JSON.parse(String(data)) as { type: string }).type));
    await new Promise((resolve) => ws.once('open', resolve));
    const caller = sim.call({ from: '+441632960123' });
    const id = caller.channelId;
    expect((await ari('GET', `/channels/${id}/variable?variable=X`)).body).toEqual({ message: 'Provided variable was not found' });
    expect((await ari('POST', `/channels/${id}/variable?variable=X&value=1`)).status).toBe(204);
    expect((await ari('GET', `/channels/${id}/variable?variable=X`)).body).toEqual({ value: '1' });
    expect((await ari('POST', `/channels/${id}/answer`)).status).toBe(204);
    expect((await ari('POST', `/channels/${id}/continue?context=desk&extension=support&priority=1`)).status).toBe(204);
    expect((await ari('POST', `/channels/${id}/answer`)).status).toBe(409);
    await until(() => sent.length >= 3);
    expect(sent).toEqual(['StasisStart', 'ChannelStateChange', 'StasisEnd']);
    ws.close();
    expect(sim.violations).toEqual([]);
  });

  it('a playback of several media: each item starts with PlaybackStarted, the end of each but the last is PlaybackContinuing, then PlaybackFinished (res_stasis_playback.c play_on_channel)', async () => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=support-line&api_key=asterisk:secret`);
    await new Promise((resolve) => ws.once('open', resolve));
    const caller = sim.call({ from: '+441632960123' });
    const id = caller.channelId;
    expect((await ari('POST', `/channels/${id}/answer`)).status).toBe(204);
    const media = 'sound:digits/1,sound:digits/2,sound:beep';
    expect((await ari('POST', `/channels/${id}/play?playbackId=pb-1&media=${encodeURIComponent(media)}`)).status).toBe(201);
    await sim.advance(10_000);
    const playback = (e: Record<string, unknown>) => e['playback'] as { media_uri: string; next_media_uri?: string; state: string };
    const seen = sim.sent
      .filter((e) => String(e['type']).startsWith('Playback'))
      .map((e) => [e['type'], playback(e).media_uri, playback(e).next_media_uri ?? null, playback(e).state]);
    expect(seen).toEqual([
      ['PlaybackStarted', 'sound:digits/1', 'sound:digits/2', 'playing'],
      ['PlaybackContinuing', 'sound:digits/1', 'sound:digits/2', 'continuing'],
      ['PlaybackStarted', 'sound:digits/2', 'sound:beep', 'playing'],
      ['PlaybackContinuing', 'sound:digits/2', 'sound:beep', 'continuing'],
      ['PlaybackStarted', 'sound:beep', null, 'playing'],
      ['PlaybackFinished', 'sound:beep', null, 'done'],
    ]);
    ws.close();
    expect(sim.violations).toEqual([]);
  });

  it('a stopped playback: a sound item stops at once (PlaybackFinished, done); a stop during digits: is ignored until the item ends and the rest plays on', async () => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=support-line&api_key=asterisk:secret`);
    await new Promise((resolve) => ws.once('open', resolve));
    const caller = sim.call({ from: '+441632960123' });
    const id = caller.channelId;
    expect((await ari('POST', `/channels/${id}/answer`)).status).toBe(204);
    const types = (playbackId: string) =>
      sim.sent
        .filter((e) => String(e['type']).startsWith('Playback') && (e['playback'] as { id: string }).id === playbackId)
        .map((e) => `${String(e['type'])} ${(e['playback'] as { media_uri: string }).media_uri}`);

    expect((await ari('POST', `/channels/${id}/play?playbackId=pb-sound&media=${encodeURIComponent('sound:beep,sound:digits/2')}`)).status).toBe(201);
    await sim.settle();
    expect((await ari('DELETE', '/playbacks/pb-sound')).status).toBe(204);
    await sim.settle();
    expect(types('pb-sound')).toEqual(['PlaybackStarted sound:beep', 'PlaybackFinished sound:beep']);

    expect((await ari('POST', `/channels/${id}/play?playbackId=pb-digits&media=${encodeURIComponent('sound:beep,digits:42,sound:digits/2')}`)).status).toBe(201);
    await sim.advance(1_000); // the beep's length in the simulator
    expect(types('pb-digits')).toEqual(['PlaybackStarted sound:beep', 'PlaybackContinuing sound:beep', 'PlaybackStarted digits:42']);
    expect((await ari('DELETE', '/playbacks/pb-digits')).status).toBe(204);
    await sim.advance(10_000);
    expect(types('pb-digits')).toEqual([
      'PlaybackStarted sound:beep',
      'PlaybackContinuing sound:beep',
      'PlaybackStarted digits:42',
      'PlaybackContinuing digits:42',
      'PlaybackStarted sound:digits/2',
      'PlaybackFinished sound:digits/2',
    ]);

    // Stopped while queued behind another: it says done, and its PlaybackFinished comes
    // only when its turn comes (playback_cancel, then playback_first_update).
    expect((await ari('POST', `/channels/${id}/play?playbackId=pb-first&media=sound:beep`)).status).toBe(201);
    expect((await ari('POST', `/channels/${id}/play?playbackId=pb-queued&media=sound:beep`)).status).toBe(201);
    expect((await ari('DELETE', '/playbacks/pb-queued')).status).toBe(204);
    expect((await ari('GET', '/playbacks/pb-queued')).body).toMatchObject({ state: 'done' });
    await sim.settle();
    expect(types('pb-queued')).toEqual([]);
    await sim.advance(1_000);
    expect(types('pb-first')).toEqual(['PlaybackStarted sound:beep', 'PlaybackFinished sound:beep']);
    expect(types('pb-queued')).toEqual(['PlaybackFinished sound:beep']);
    expect(caller.channel?.heard.filter((h) => h.playbackId === 'pb-queued')).toEqual([]);
    ws.close();
    expect(sim.violations).toEqual([]);
  });

  it('a finished recording carries Asterisk\'s figures: talking and silence only with a silence limit, and silence trimmed in whole seconds (main/app.c)', async () => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=support-line&api_key=asterisk:secret`);
    await new Promise((resolve) => ws.once('open', resolve));
    const caller = sim.call({ from: '+441632960123' });
    const id = caller.channelId;
    expect((await ari('POST', `/channels/${id}/answer`)).status).toBe(204);
    const finished = () => sim.sent.filter((e) => e['type'] === 'RecordingFinished').map((e) => e['recording']);

    // No silence limit: Asterisk measures no talking.
    expect((await ari('POST', `/channels/${id}/record?name=t/plain&format=wav&maxDurationSeconds=3`)).status).toBe(201);
    await sim.advance(3_000);
    // Silence only, ended by the 5 s limit: 5 s written, 4 s of it trimmed, 1 s of "talking".
    expect((await ari('POST', `/channels/${id}/record?name=t/silent&format=wav&maxSilenceSeconds=5`)).status).toBe(201);
    await sim.advance(6_000);
    // 3 s of talk, then the limit: 8 s written, 4 s trimmed from each figure.
    expect((await ari('POST', `/channels/${id}/record?name=t/talk&format=wav&maxSilenceSeconds=5`)).status).toBe(201);
    await sim.settle();
    sim.world.talk(caller.channel!, 3);
    await sim.advance(9_000);
    expect(finished()).toEqual([
      { name: 't/plain', format: 'wav', target_uri: `channel:${id}`, state: 'done', duration: 3 },
      { name: 't/silent', format: 'wav', target_uri: `channel:${id}`, state: 'done', duration: 1, talking_duration: 1, silence_duration: 0 },
      { name: 't/talk', format: 'wav', target_uri: `channel:${id}`, state: 'done', duration: 4, talking_duration: 4, silence_duration: 0 },
    ]);
    expect([...sim.world.stored.keys()]).toEqual(['t/plain', 't/silent', 't/talk']);
    expect((await ari('DELETE', '/recordings/stored/t%2Fsilent')).status).toBe(204);
    expect((await ari('DELETE', '/recordings/stored/t%2Fsilent')).status).toBe(404);
    expect([...sim.world.stored.keys()]).toEqual(['t/plain', 't/talk']);
    ws.close();
    expect(sim.violations).toEqual([]);
  });

  it('without ../shared/ari it describes and checks with the project\'s own subset', async () => {
    await sim.stop();
    sim = new FakeAsterisk({ spec: loadSubset(SUBSET_FILE) });
    await sim.start();
    const listing = await ari('GET', '/api-docs/resources.json');
    expect(listing.body?.['basePath']).toBe(`${sim.url}/ari`);
    expect(listing.body?.['apis']).toEqual(expect.arrayContaining([{ path: '/api-docs/channels.{format}', description: 'channels resources' }]));
    expect((await ari('POST', '/channels/nope/play')).status).toBe(400);
    expect(requestViolations()).toEqual(['channels.play: missing required parameter "media"']);
  });
});
