// Billing asks what November's service credits come to. Saturday's Cat4 call that
// reached nobody breached its response target, which earns Acme Dental a credit: the
// demo's Cat4 rule is 15% of the £250 monthly fee per breach, at most 50% a month.
// An admin then changes the Cat4 rule to a fixed £50, and the statement follows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { routingFromConfig } from '../../src/notify/channels.ts';
import { createSlaWatcher } from '../../src/workers/sla-watcher.ts';
import { NOW, signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
let admin: ConsoleClient;
/** The Acme tickets whose timers earned a credit once the watcher has run at NOW. */
let credited: { reference: string; target: string }[];

interface Statement {
  account: { number: string } | null;
  tier: string;
  monthlyFeePence: number | null;
  lines: { reference: string; target: string }[];
  amount: { perBreachPence: number | null; totalPence: number | null; capped: boolean; missing: string | null };
}

const november = async (c: ConsoleClient) => {
  const res = await c.get('/api/reports/credits?month=2026-11');
  expect(res.status).toBe(200);
  return ((await res.json()) as { statements: Statement[] }).statements;
};

beforeAll(async () => {
  t = await startConsoleLine();
  sup = await signedIn(t.url, t.users.supervisor.email);
  admin = await signedIn(t.url, t.users.admin.email);
  await createSlaWatcher({ db: t.line.db, clock: () => NOW, notify: routingFromConfig(t.line.config), logger: createLogger('silent'), intervalSeconds: 30 }).tick(NOW);
  credited = await t.line.db.query(
    `select t.reference, s.target from sla_timers s join tickets t on t.id = s.ticket_id join accounts a on a.id = t.account_id
      where s.service_credit and a.number = '10001' order by s.breached_at, t.reference`,
  );
  expect(credited.length).toBeGreaterThan(0);
});
afterAll(async () => {
  await t?.stop();
});

describe("November's statement", () => {
  it("prices Acme's breaches by the Cat4 rule: 15% of £250 each, capped at £125", async () => {
    const acme = (await november(sup)).find((s) => s.account?.number === '10001')!;
    expect(acme.tier).toBe('Cat4');
    expect(acme.monthlyFeePence).toBe(25_000);
    expect(acme.lines.map((l) => ({ reference: l.reference, target: l.target }))).toEqual(credited);
    expect(acme.amount).toEqual({
      perBreachPence: 3750,
      totalPence: Math.min(3750 * credited.length, 12_500),
      capped: 3750 * credited.length > 12_500,
      missing: null,
    });
  });

  it('gives billing one CSV row per credited breach', async () => {
    const csv = await (await sup.get('/api/reports/credits.csv?month=2026-11')).text();
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toBe('month,account_number,account_name,tier,monthly_fee_gbp,ticket,target,due_at,breached_at,credit_per_breach_gbp,account_month_total_gbp,capped,note');
    const acmeRows = rows.filter((r) => r.startsWith('2026-11,10001,'));
    expect(acmeRows).toHaveLength(credited.length);
    expect(acmeRows[0]).toContain(',Cat4,250.00,');
  });

  it('has nothing for October', async () => {
    const res = await sup.get('/api/reports/credits?month=2026-10');
    expect(((await res.json()) as { statements: Statement[] }).statements).toEqual([]);
  });
});

describe('the rules are data an admin sets', () => {
  it('a supervisor may not change them; a malformed rule is refused and changes nothing', async () => {
    expect((await sup.json('PUT', '/api/credit-rules/Cat4', { basis: 'fixed', amountPence: 5000 })).status).toBe(403);
    expect((await admin.json('PUT', '/api/credit-rules/Cat4', { basis: 'fixed', percent: 10 })).status).toBe(422);
    expect((await admin.json('PUT', '/api/credit-rules/Cat4', { basis: 'percent', percent: 150 })).status).toBe(422);
    expect((await admin.json('PUT', '/api/credit-rules/CatS', { basis: 'fixed', amountPence: 5000 })).status).toBe(400);
    const rules = (await (await sup.get('/api/credit-rules')).json()) as { tier: string; percent: number | null }[];
    expect(rules.find((r) => r.tier === 'Cat4')).toMatchObject({ percent: 15 });
  });

  it('a fixed £50 a breach with no cap: the statement follows, and the change is audited', async () => {
    const res = await admin.json('PUT', '/api/credit-rules/Cat4', { basis: 'fixed', amountPence: 5000 });
    expect(res.status).toBe(200);
    const acme = (await november(sup)).find((s) => s.account?.number === '10001')!;
    expect(acme.amount).toEqual({ perBreachPence: 5000, totalPence: 5000 * credited.length, capped: false, missing: null });
    const [entry] = await t.line.db.query<{ actor: string; detail: { before: { percent: number }; after: { amountPence: number } } }>(
      `select actor, detail from audit_log where action = 'credit-rule.set' and entity_id = 'Cat4'`,
    );
    expect(entry).toMatchObject({ actor: `user:${t.users.admin.id}`, detail: { before: { percent: 15 }, after: { amountPence: 5000 } } });
  });

  it('the console page shows the total and the rules; its form sets a rule', async () => {
    const page = await (await sup.get('/console/reports/credits?month=2026-11')).text();
    expect(page).toContain(`id="credits-total">£${((5000 * credited.length) / 100).toFixed(2)}</strong>`);
    expect(page).toContain('£50.00 per breach');
    expect(page).not.toContain('action="/console/reports/credit-rules"');
    const adminPage = await (await admin.get('/console/reports/credits?month=2026-11')).text();
    expect(adminPage).toContain('action="/console/reports/credit-rules"');
    const saved = await admin.form('/console/reports/credit-rules', { tier: 'Cat1', basis: 'percent', value: '7.5', monthlyCapPercent: '20' });
    expect(saved.status).toBe(303);
    expect(await (await sup.get('/console/reports/credits')).text()).toContain('7.5% of the monthly fee per breach, at most 20% of the fee a month');
    const refused = await admin.form('/console/reports/credit-rules', { tier: 'Cat1', basis: 'percent', value: 'lots' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('The rule was not saved');
  });
});
