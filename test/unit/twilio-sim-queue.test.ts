// The simulated Twilio queues callers as Twilio does: <Enqueue> plays its waitUrl
// document (again each time the caller keeps waiting), a REST-created call rings a
// scripted phone and runs its url document, <Dial><Queue> joins it to the caller at
// the head of the queue, and a REST cancel ends a call that is still ringing.
import type { Server } from 'node:http';
import express from 'express';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { TwilioRestDouble } from '../support/fake-twilio/rest-double.ts';
import { TwilioSimulator } from '../support/fake-twilio/simulator.ts';

const BASE = 'https://queue-app.example.co.uk';
const TOKEN = 'queue-token';
const SID = 'AC' + 'a'.repeat(32);
const ENGINEER = '+447700900111';

interface App {
  sim: TwilioSimulator;
  api: TwilioRestDouble;
  client: twilio.Twilio;
  posts: Array<{ path: string; params: Record<string, string> }>;
}

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A tiny app: callers queue in "q1"; the engineer's call says a line, takes a key, and on 1 dequeues. */
async function start(): Promise<App> {
  const posts: App['posts'] = [];
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const xml = (res: express.Response, build: (r: twilio.twiml.VoiceResponse) => void): void => {
    const r = new twilio.twiml.VoiceResponse();
    build(r);
    res.type('text/xml').send(r.toString());
  };
  app.post('/{*path}', (req, res, next) => {
    posts.push({ path: req.path, params: req.body as Record<string, string> });
    next();
  });
  app.post('/voice', (_req, res) => xml(res, (r) => r.enqueue({ waitUrl: `${BASE}/wait`, action: `${BASE}/after` }, 'q1')));
  app.post('/wait', (req, res) =>
    xml(res, (r) => {
      if ((req.body as Record<string, string>)['QueueTime'] === '99') r.leave();
      else r.say({}, `Please hold, position ${(req.body as Record<string, string>)['QueuePosition']}.`);
    }),
  );
  app.post('/after', (req, res) => xml(res, (r) => r.say({}, `After the queue: ${(req.body as Record<string, string>)['QueueResult']}.`)));
  app.post('/agent', (_req, res) => xml(res, (r) => r.gather({ numDigits: 1, action: `${BASE}/agent-key` }).say({}, 'A caller is waiting. Press 1.')));
  app.post('/agent-key', (req, res) =>
    xml(res, (r) => {
      if ((req.body as Record<string, string>)['Digits'] === '1') r.dial().queue({}, 'q1');
      else r.hangup();
    }),
  );
  app.post('/moved', (_req, res) => xml(res, (r) => r.say({}, 'Moved out of the queue.')));
  app.post('/status', (_req, res) => res.status(204).end());
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const sim = new TwilioSimulator({ target: `http://127.0.0.1:${port}`, publicBaseUrl: BASE, authToken: TOKEN, accountSid: SID, voicePath: '/voice', statusCallbackPath: '/status' });
  const api = new TwilioRestDouble(SID, TOKEN).attach(sim);
  const client = twilio(SID, TOKEN, { httpClient: api as unknown as twilio.RequestClient, autoRetry: false });
  return { sim, api, client, posts };
}

const ringEngineer = (client: twilio.Twilio, timeout = 20) =>
  client.calls.create({ to: ENGINEER, from: '+441632960000', url: `${BASE}/agent`, timeout, statusCallback: `${BASE}/status`, statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'] });

const statuses = (posts: App['posts'], sid: string) => posts.filter((p) => p.path === '/status' && p.params['CallSid'] === sid).map((p) => p.params['CallStatus']);

describe('queues and REST-created calls in the simulated Twilio', () => {
  it('holds the caller on the wait document, and joins them to the engineer who dequeues them', async () => {
    const { sim, client, posts } = await start();
    sim.engineer(ENGINEER).answers({ afterSeconds: 5 }).presses('1');
    const caller = sim.call({ from: '+447700900999' });
    await caller.hears('Please hold, position 1.');
    const created = await ringEngineer(client);
    expect(sim.engineer(ENGINEER).rings[0]?.startedAt).toEqual(sim.now());
    // The engineer's call moves as the caller waits: rings 5 s, the whisper, 1, dequeued.
    await caller.isConnectedTo(ENGINEER);
    const [ring] = sim.engineer(ENGINEER).rings;
    expect(ring).toMatchObject({ callSid: created.sid, outcome: 'answered', bridged: true, heard: ['A caller is waiting. Press 1.'] });
    const agent = posts.find((p) => p.path === '/agent');
    expect(agent?.params).toMatchObject({ Direction: 'outbound-api', CallStatus: 'in-progress', To: ENGINEER });
    await caller.hangsUp();
    expect(posts.find((p) => p.path === '/after')?.params).toMatchObject({ QueueResult: 'bridged', CallStatus: 'completed' });
    expect(statuses(posts, created.sid)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
  });

  it('reports an unanswered REST call to its status callback and leaves the caller queued', async () => {
    const { sim, client, posts } = await start();
    sim.engineer(ENGINEER).doesNotAnswer();
    const caller = sim.call({ from: '+447700900999' });
    await caller;
    const created = await ringEngineer(client, 15);
    const before = sim.now().getTime();
    await caller.waits(1).check((c) => expect(c.state).toBe('queued'));
    expect(statuses(posts, created.sid)).toEqual(['initiated', 'ringing', 'no-answer']);
    expect(sim.now().getTime() - before).toBe(16_000);
    await caller.hangsUp();
    expect(posts.find((p) => p.path === '/after')?.params).toMatchObject({ QueueResult: 'hangup' });
  });

  it('an engineer who hangs up during the whisper ends their call there: no key is posted, the caller stays queued', async () => {
    const { sim, client, posts } = await start();
    sim.engineer(ENGINEER).answers({ afterSeconds: 2 }).hangsUpDuringWhisper();
    const caller = sim.call({ from: '+447700900999' });
    await caller;
    const created = await ringEngineer(client);
    await caller.waits(1).check((c) => expect(c.state).toBe('queued'));
    expect(sim.engineer(ENGINEER).rings[0]).toMatchObject({ outcome: 'answered', bridged: false, heard: ['A caller is waiting. Press 1.'] });
    expect(posts.filter((p) => p.path === '/agent-key')).toEqual([]);
    expect(statuses(posts, created.sid)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    await caller.hangsUp();
  });

  it('cancels a ringing call on a REST update, and lets an answered one carry on', async () => {
    const { sim, api, client, posts } = await start();
    sim.engineer(ENGINEER).keepsRinging();
    const caller = sim.call({ from: '+447700900999' });
    await caller;
    const created = await ringEngineer(client);
    await caller.waits(1);
    await client.calls(created.sid).update({ status: 'canceled' });
    await caller.hangsUp();
    expect(api.updates).toEqual([{ sid: created.sid, status: 'canceled', url: null }]);
    expect(statuses(posts, created.sid)).toEqual(['initiated', 'ringing', 'canceled']);
    expect(sim.engineer(ENGINEER).rings[0]?.outcome).toBe('canceled');
    await expect(client.calls('CA' + '0'.repeat(32)).update({ status: 'canceled' })).rejects.toMatchObject({ status: 404 });
  });

  it('takes the caller out of the queue on <Leave> to the Enqueue action, and on a REST redirect to the new document', async () => {
    const { sim, client } = await start();
    const leaving = sim.call({ from: '+447700900999' });
    await leaving.waits(99).hears('After the queue: leave.').isHungUp();
    const moved = sim.call({ from: '+447700900998' });
    await moved;
    await client.calls(moved.callSid).update({ url: `${BASE}/moved` });
    await moved.hears('Moved out of the queue.').isHungUp();
  });

  it('refuses queue TwiML Twilio would refuse', async () => {
    const { parseTwiml } = await import('../support/fake-twilio/twiml.ts');
    const doc = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;
    expect(() => parseTwiml(doc('<Enqueue waitUrl="/w"></Enqueue>'))).toThrow(/needs content/);
    expect(() => parseTwiml(doc('<Enqueue colour="red">q</Enqueue>'))).toThrow(/no attribute colour/);
    expect(() => parseTwiml(doc('<Dial><Queue>bad name!</Queue></Dial>'))).toThrow(/not valid content/);
    expect(parseTwiml(doc('<Enqueue waitUrl="https://x.example/w" action="https://x.example/a">call-1</Enqueue>')).children[0]?.name).toBe('Enqueue');
  });
});
