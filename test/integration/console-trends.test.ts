// A supervisor looks back over the year at the end of November 2026: twelve months,
// the seeded weekend's calls all in November, nothing before. Every figure is checked
// against the calls and timers themselves, and the CSV carries the same numbers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrendMonth } from '../../src/store/trends.ts';
import { signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
let engineer: ConsoleClient;
let months: TrendMonth[];

beforeAll(async () => {
  t = await startConsoleLine();
  sup = await signedIn(t.url, t.users.supervisor.email);
  engineer = await signedIn(t.url, t.users.engineer.email);
  const res = await sup.get('/api/reports/trends?to=2026-11');
  expect(res.status).toBe(200);
  months = ((await res.json()) as { months: TrendMonth[] }).months;
});
afterAll(async () => {
  await t?.stop();
});

describe('twelve months to November 2026', () => {
  it('runs December 2025 to November 2026, with every seeded call in November', async () => {
    expect(months.map((m) => m.month)).toEqual([
      '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11',
    ]);
    const [row] = await t.line.db.query<{ n: string }>('select count(*) as n from calls');
    const n = row!.n;
    expect(months.at(-1)!.calls).toBe(Number(n));
    expect(months.slice(0, 11).every((m) => m.calls === 0 && m.answeredLiveShare === null)).toBe(true);
  });

  it('counts outcomes and the answered-live share from the calls themselves', async () => {
    const rows = await t.line.db.query<{ outcome: string | null; n: string }>('select outcome, count(*) as n from calls group by outcome');
    const nov = months.at(-1)!;
    for (const r of rows) expect(nov.byOutcome[(r.outcome ?? 'in_progress') as keyof TrendMonth['byOutcome']]).toBe(Number(r.n));
    const live = rows.filter((r) => r.outcome === 'desk' || r.outcome === 'engineer').reduce((s, r) => s + Number(r.n), 0);
    expect(nov.answeredLiveShare).toBeCloseTo(live / nov.calls, 3);
  });

  it('counts response targets and breaches per tier from the timers', async () => {
    const [resp] = await t.line.db.query<{ met: string; breached: string }>(
      `select count(*) filter (where state = 'met') as met, count(*) filter (where state = 'breached') as breached
         from sla_timers where target = 'response'`,
    );
    const nov = months.at(-1)!;
    expect([nov.responseMet, nov.responseBreached]).toEqual([Number(resp!.met), Number(resp!.breached)]);
    expect(Object.keys(nov.byTier)).toEqual(['CatS', 'Cat1', 'Cat2', 'Cat4']);
  });

  it('gives the same figures as CSV, and draws the page with its charts', async () => {
    const csv = await (await sup.get('/api/reports/trends.csv?to=2026-11')).text();
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(13);
    expect(lines[0]).toMatch(/^month,calls,route_desk,/);
    expect(lines[12]).toMatch(new RegExp(`^2026-11,${months.at(-1)!.calls},`));
    const page = await (await sup.get('/console/reports/trends?to=2026-11')).text();
    expect(page).toContain('id="chart-calls"');
    expect(page).toContain('id="chart-met"');
    expect(page).toContain('December 2025 to November 2026');
  });

  it('refuses a month that is not one, and keeps engineers out', async () => {
    expect((await sup.get('/api/reports/trends?to=2026-13')).status).toBe(400);
    expect((await sup.get('/api/reports/trends?to=9999-01')).status).toBe(400);
    expect((await sup.get('/console/reports/trends?to=nonsense')).status).toBe(400);
    expect((await engineer.get('/api/reports/trends')).status).toBe(403);
  });
});
