// The call log's engineer filter reads the engineer's own index of rung calls
// (migration 167, filled by a trigger as the timeline's engineer-rung entries are
// written): page by page, forwards and back, with other filters beside it, it lists
// the same calls, in the same order, as the timeline test it replaced.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendCallEvent, openCall } from '../../src/store/calls.ts';
import { callLogPage, engineerRungSql, type CallLogCursor, type CallLogFilter } from '../../src/store/call-log.ts';
import { useFreshDatabase } from '../support/db.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const fresh = useFreshDatabase();
const NOW = at('2026-11-30T12:00:00Z');
const ENGINEERS = ['7', '8', '9'];

/** The calls the old filter found: a per-row test on the timeline, newest first. */
async function expected(engineerId: string, extra = '', params: unknown[] = []): Promise<string[]> {
  const rows = await fresh.db.query<{ id: string }>(
    `select c.id from calls c where ${engineerRungSql('c', '$1')} ${extra} order by c.started_at desc, c.id desc`,
    [engineerId, ...params],
  );
  return rows.map((r) => r.id);
}

/** Every page of the filtered log, forwards; then back from the last page to the first. */
async function walk(filter: CallLogFilter, limit: number): Promise<{ forwards: string[]; backwards: string[] }> {
  const forwards: string[] = [];
  const pages: string[][] = [];
  let after: CallLogCursor | null = null;
  let prev: CallLogCursor | null;
  for (;;) {
    const page = await callLogPage(fresh.db, filter, { after, limit, now: NOW });
    pages.push(page.rows.map((r) => r.id));
    forwards.push(...page.rows.map((r) => r.id));
    prev = page.prev;
    if (!page.next) break;
    after = page.next;
  }
  const backwards: string[] = [...(pages.at(-1) ?? [])];
  let before = prev;
  while (before) {
    const page = await callLogPage(fresh.db, filter, { before, limit, now: NOW });
    backwards.unshift(...page.rows.map((r) => r.id));
    before = page.prev;
  }
  return { forwards, backwards };
}

beforeAll(async () => {
  // 60 calls over a day, some starting at the same instant (the id breaks the tie); each
  // rings one or two engineers, some the same engineer twice (a second round).
  const acme = await customer(fresh.db, 'Cat4', 'Acme Ltd');
  for (let i = 0; i < 60; i++) {
    const id = randomUUID();
    const startedAt = new Date(at('2026-11-29T00:00:00Z').getTime() + Math.floor(i / 3) * 3_600_000);
    await openCall(fresh.db, { id, carrier: i % 2 ? 'twilio' : 'asterisk', carrierCallId: `c${i}`, from: '+447700900123', to: '+448081570000', startedAt });
    let seq = 0;
    const ring = async (engineerId: string) => appendCallEvent(fresh.db, id, ++seq, startedAt, 'engineer-rung', { engineerId, round: 1 });
    if (i % 4 !== 3) await ring(ENGINEERS[i % 3]!);
    if (i % 5 === 0) await ring(ENGINEERS[(i + 1) % 3]!);
    if (i % 7 === 0) await ring(ENGINEERS[i % 3]!);
    await appendCallEvent(fresh.db, id, ++seq, startedAt, 'bridge', { engineerId: ENGINEERS[i % 3] });
  }
  // A call raised by a ticket helper too, never rung.
  await openTicket(fresh.db, { accountId: acme.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-11-29T05:00:00Z') });
});

describe('the call log for one engineer', () => {
  it('lists the calls they were rung on, newest first, in pages both ways', async () => {
    for (const engineerId of ENGINEERS) {
      const want = await expected(engineerId);
      expect(want.length).toBeGreaterThan(10);
      const { forwards, backwards } = await walk({ engineerId }, 7);
      expect(forwards).toEqual(want);
      expect(backwards).toEqual(want);
    }
  });

  it('with other filters beside it', async () => {
    const from = at('2026-11-29T04:00:00Z');
    const to = at('2026-11-29T15:00:00Z');
    const want = await expected('7', `and c.started_at >= $2 and c.started_at < $3 and c.carrier = 'twilio'`, [from, to]);
    expect(want.length).toBeGreaterThan(0);
    expect((await walk({ engineerId: '7', from, to, carrier: 'twilio' }, 3)).forwards).toEqual(want);
  });

  it('an engineer rung on nothing, or not an id, has an empty log', async () => {
    expect((await callLogPage(fresh.db, { engineerId: '12345' }, { limit: 50, now: NOW })).rows).toEqual([]);
    expect((await callLogPage(fresh.db, { engineerId: "7' or 1=1 --" }, { limit: 50, now: NOW })).rows).toEqual([]);
  });

  it('a replayed timeline entry adds nothing, and a call rung later is listed at once', async () => {
    const before = await expected('9');
    const [first] = before;
    expect(await appendCallEvent(fresh.db, first!, 1, NOW, 'engineer-rung', { engineerId: '9' })).toBe(false);
    const late = (await fresh.db.query<{ id: string }>(`select c.id from calls c where not (${engineerRungSql('c', '$1')}) order by c.started_at limit 1`, ['9']))[0]!.id;
    await appendCallEvent(fresh.db, late, 100, NOW, 'engineer-rung', { engineerId: '9' });
    const after = await expected('9');
    expect(after).toContain(late);
    expect((await walk({ engineerId: '9' }, 50)).forwards).toEqual(after);
    expect(await fresh.db.query(`select 1 from call_engineer_rungs where engineer_id = '9'`)).toHaveLength(after.length);
  });
});
