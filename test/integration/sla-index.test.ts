// The watcher's cost follows the timers coming due, not the open tickets: its claim
// reads the partial index on next_fire_at, never the whole table.
import { describe, expect, it } from 'vitest';
import { CLAIM_DUE_TIMERS_SQL } from '../../src/store/sla-timers.ts';
import { useFreshDatabase } from '../support/db.ts';

const fresh = useFreshDatabase();

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('the claim of due timers', () => {
  it('is an index scan on sla_timers_next_fire with 30,000 timers of which 30 are due', async () => {
    const db = fresh.db;
    // 10,000 tickets with three timers each: met ones (no next_fire_at), running ones
    // due far ahead, and a handful due now.
    await db.query(`
      insert into tickets (kind, tier, channel, opened_at, created_at, updated_at)
      select 'fault', 'Cat4', 'api', now(), now(), now() from generate_series(1, 10000)`);
    await db.query(`
      insert into sla_timers (ticket_id, target, calendar, target_minutes, starts_at, due_at, warn_at, state,
                              met_at, next_fire_at, created_at, updated_at)
      select t.id, x.target, 'always', 120, now(), now() + interval '2 hours', now() + interval '90 minutes',
             case when x.target = 'response' then 'met' else 'running' end,
             case when x.target = 'response' then now() end,
             case when x.target = 'response' then null
                  when x.target = 'resolution' and t.id % 1000 < 3 then timestamptz '2026-11-23 10:00Z'
                  else timestamptz '2099-01-01 00:00Z' + (t.id || ' minutes')::interval end,
             now(), now()
        from tickets t cross join (values ('response'), ('resolution'), ('onsite')) as x(target)`);
    await db.query('analyze sla_timers');

    const [{ due }] = (await db.query<{ due: string }>(
      `select count(*) as due from sla_timers where next_fire_at <= '2026-11-23T10:00:00Z'`,
    )) as [{ due: string }];
    expect(Number(due)).toBe(30);

    const sql = CLAIM_DUE_TIMERS_SQL.replace('$1', `'2026-11-23T10:00:00Z'::timestamptz`).replace('$2', '100');
    const [row] = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (format json) ${sql}`);
    const plan = nodes(row!['QUERY PLAN'][0].Plan);
    const scans = plan.filter((n) => n['Relation Name'] === 'sla_timers');
    expect(scans.map((n) => n['Node Type'])).toEqual(['Index Scan']);
    expect(scans[0]?.['Index Name']).toBe('sla_timers_next_fire');

    // A generic plan (as a prepared statement with parameters gets) uses it too.
    await db.tx(async (tx) => {
      await tx.query(`prepare claim(timestamptz, int) as ${CLAIM_DUE_TIMERS_SQL}`);
      await tx.query(`set local plan_cache_mode = force_generic_plan`);
      const [generic] = await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `explain (format json) execute claim('2026-11-23T10:00:00Z', 100)`,
      );
      const used = nodes(generic!['QUERY PLAN'][0].Plan).filter((n) => n['Relation Name'] === 'sla_timers');
      expect(used.map((n) => n['Index Name'])).toEqual(['sla_timers_next_fire']);
      await tx.query('deallocate claim');
    });
  });
});
