// Monday 23 November, 15:30. Saturday's 3:20am Cat4 critical call from Acme Dental
// reached no engineer; a Bramble Solicitors caller has been holding for the desk for
// two minutes. Now puts both above everything else that can wait, each with its one
// action: call Acme back; see who is holding. Once Acme is called back and the desk
// answers, both sections are empty.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendCallEvent, openCall, updateCall } from '../../src/store/calls.ts';
import { NOW, signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
let priya: ConsoleClient;
let acme: string;
let holding: string;

interface NowBody {
  escalationFailed: { reference: string }[];
  waitingForDesk: { callId: string; from: string; accountName: string | null; queue: string | null; since: string }[];
  callbacks: { reference: string }[];
}
const now = async (c: ConsoleClient = sup) => (await (await c.get('/api/now')).json()) as NowBody;

beforeAll(async () => {
  t = await startConsoleLine();
  sup = await signedIn(t.url, t.users.supervisor.email);
  priya = await signedIn(t.url, t.users.engineer.email);
  const [row] = await t.line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [t.calls.acmeFailed]);
  acme = row!.reference;
  // The Bramble caller: through the menu at 15:27, handed to the support desk at 15:28.
  const bramble = t.demo.accounts.find((a) => a.number === '10002')!;
  holding = randomUUID();
  const started = new Date(NOW.getTime() - 3 * 60_000);
  await openCall(t.line.db, { id: holding, carrier: 'twilio', carrierCallId: `CA${holding.replace(/-/g, '')}`, from: bramble.phones[0]!, to: '+441632960000', startedAt: started });
  await updateCall(t.line.db, holding, { accountId: bramble.id, tier: 'Cat2', priority: 'standard', menu: 'fault', route: 'desk', routeReason: 'office hours' });
  await appendCallEvent(t.line.db, holding, 1, started, 'call-started', { from: bramble.phones[0]!, to: '+441632960000', carrier: 'twilio', closures: 0 });
  await appendCallEvent(t.line.db, holding, 2, new Date(NOW.getTime() - 2 * 60_000), 'connect-desk', { queue: 'support' });
});
afterAll(async () => {
  await t?.stop();
});

describe('Now: what needs a human', () => {
  it('Acme’s failed escalation is its own section, not mixed into the other calls back owed', async () => {
    const v = await now();
    expect(v.escalationFailed.map((c) => c.reference)).toEqual([acme]);
    expect(v.callbacks.map((c) => c.reference)).not.toContain(acme);
    expect(v.callbacks.map((c) => c.reference)).toContain(t.warningTicket);
    // The to-do list itself still has both.
    const all = (await (await sup.get('/api/callbacks')).json()) as { reference: string }[];
    expect(all.map((c) => c.reference)).toEqual(expect.arrayContaining([acme, t.warningTicket]));
  });

  it('the Bramble caller is waiting for the desk, since 15:28', async () => {
    expect((await now()).waitingForDesk).toEqual([
      { callId: holding, from: expect.any(String), accountName: 'Bramble Solicitors', accountNumber: '10002', queue: 'support', since: '2026-11-23T15:28:00.000Z' },
    ]);
    expect((await now(priya)).waitingForDesk).toEqual([]);
  });

  it('the page puts both at the top with one action each, and counts them in the title', async () => {
    const page = await (await sup.get('/console/now')).text();
    expect(page).toMatch(/<title>\([^)]*1 escalation failed, 1 waiting for the desk[^)]*\) Now/);
    const failed = page.slice(page.indexOf('id="escalation-failed"'), page.indexOf('id="desk-waiting"'));
    expect(failed).toContain(`action="/console/tickets/${acme}/callback-done"`);
    const desk = page.slice(page.indexOf('id="desk-waiting"'), page.indexOf('id="callbacks"'));
    expect(desk).toContain(`href="/console/calls/${holding}"`);
    expect(page.indexOf('id="escalation-failed"')).toBeLessThan(page.indexOf('id="live-heading"'));
  });

  it('once Acme is called back and the desk answers, both sections are empty', async () => {
    expect((await sup.json('POST', `/api/tickets/${acme}/callback-done`, { note: 'spoke to the practice' })).status).toBe(200);
    await appendCallEvent(t.line.db, holding, 3, NOW, 'desk-result', { outcome: 'answered' });
    const v = await now();
    expect(v.escalationFailed).toEqual([]);
    expect(v.waitingForDesk).toEqual([]);
  });
});
