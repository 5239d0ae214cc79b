// The Now page's "tickets breached or about to breach": a supervisor opens it on Monday
// afternoon after the SLA watcher has recorded Saturday's missed Cat4 response. The
// breached ticket must still be there, first, until someone resolves it. An engineer
// user with no engineer link opens the same page and gets an empty view, not a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { routingFromConfig } from '../../src/notify/channels.ts';
import { addUser, setPassword } from '../../src/store/users.ts';
import { createSlaWatcher } from '../../src/workers/sla-watcher.ts';
import { NOW, PASSWORD, SEEDED_AT, signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
/** Every unresolved ticket with a recorded breach after the watcher's pass. */
let breached: string[];
/** How many breached timers those tickets carry (a ticket may have breached more than one target). */
let breachedTimers: number;

interface NowBody {
  atRisk: { reference: string; state: string; target: string }[];
  liveCalls: unknown[];
}

beforeAll(async () => {
  t = await startConsoleLine();
  sup = await signedIn(t.url, t.users.supervisor.email);
  // The watcher's pass at the console's "now" records every breach due by then.
  const watcher = createSlaWatcher({
    db: t.line.db,
    clock: () => NOW,
    notify: routingFromConfig(t.line.config),
    logger: createLogger('silent'),
    intervalSeconds: 30,
  });
  const result = await watcher.tick(NOW);
  expect(result.breached).toBeGreaterThan(0);
  const rows = await t.line.db.query<{ reference: string }>(
    `select t.reference from tickets t join sla_timers st on st.ticket_id = t.id
      where st.state = 'breached' and t.status not in ('resolved', 'closed')`,
  );
  breachedTimers = rows.length;
  breached = [...new Set(rows.map((r) => r.reference))].sort();
  expect(breached.length).toBeGreaterThan(0);
});
afterAll(async () => {
  await t?.stop();
});

describe('Now, after the watcher has recorded a breach', () => {
  it('keeps every breached ticket at the top, marked breached', async () => {
    const res = await sup.get('/api/now');
    expect(res.status).toBe(200);
    const top = ((await res.json()) as NowBody).atRisk.slice(0, breachedTimers);
    expect(top.every((r) => r.state === 'breached')).toBe(true);
    expect([...new Set(top.map((r) => r.reference))].sort()).toEqual(breached);
  });

  it('shows it on the console page too, not "Nothing is due"', async () => {
    const res = await sup.get('/console/now');
    expect(res.status).toBe(200);
    const page = await res.text();
    for (const reference of breached) expect(page).toContain(reference);
    expect(page).not.toContain('Nothing is due in the next two hours');
    // The tab's title counts what needs a human: breaches, failed escalations, then calls back owed.
    expect(page).toMatch(new RegExp(`<title>\\(${breached.length} breached(, \\d+ escalation failed)?(, \\d+ to call back)?\\) Now · Support Line</title>`));
  });

  it('lets it go once the ticket is resolved', async () => {
    const [first] = breached;
    await t.line.db.query(`update tickets set status = 'resolved' where reference = $1`, [first]);
    const body = (await (await sup.get('/api/now')).json()) as NowBody;
    expect(body.atRisk.map((r) => r.reference)).not.toContain(first);
  });
});

describe('an engineer user with no engineer link', () => {
  it('gets an empty Now, not a server error', async () => {
    const { user } = await addUser(t.line.db, { email: 'unlinked@example.com', name: 'Unlinked Engineer', role: 'engineer', engineerId: null });
    await setPassword(t.line.db, user.id, PASSWORD, SEEDED_AT);
    const unlinked = await signedIn(t.url, 'unlinked@example.com');
    const api = await unlinked.get('/api/now');
    expect(api.status).toBe(200);
    expect(((await api.json()) as NowBody).atRisk).toEqual([]);
    expect((await unlinked.get('/console/now')).status).toBe(200);
  });
});
