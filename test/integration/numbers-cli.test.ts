// support-line numbers: the line's own numbers, managed by an operator. Bad input is one
// line and exit 2, and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { listAudit } from '../../src/store/audit.ts';
import { dialledProfile } from '../../src/store/line-numbers.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';

let fresh: FreshDatabase;
const saved = { ...process.env };

beforeAll(async () => {
  fresh = await freshDatabase();
  process.env.DATABASE_URL = fresh.url;
  delete process.env.REDIS_URL;
});
afterAll(async () => {
  process.env = saved;
  await fresh?.drop();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}
const list = async () => JSON.parse((await cli('numbers', 'list')).out) as unknown[];

describe('support-line numbers', () => {
  it('adds the main, Cat4 24-hour and billing numbers, typed as people write them, stored in E.164', async () => {
    expect(JSON.parse((await cli('numbers', 'add', '--number', '01632 960000', '--profile', 'main', '--label', 'Support line')).out))
      .toEqual({ number: '+441632960000', profile: 'main', label: 'Support line' });
    expect((await cli('numbers', 'add', '--number', '0808 157 0024', '--profile', 'cat4_24h', '--label', 'Cat4 24h')).code).toBe(0);
    expect((await cli('numbers', 'add', '--number', '+441632960010', '--profile', 'billing', '--label', 'Billing')).code).toBe(0);
    expect(await list()).toEqual([
      { number: '+441632960000', profile: 'main', label: 'Support line' },
      { number: '+441632960010', profile: 'billing', label: 'Billing' },
      { number: '+448081570024', profile: 'cat4_24h', label: 'Cat4 24h' },
    ]);
    const audited = await listAudit(fresh.db, { entity: 'line_number' });
    expect(audited.map((a) => a.action)).toEqual(['line-number.added', 'line-number.added', 'line-number.added']);
  });

  it('refuses a number that is not a phone number, an unknown profile, a duplicate, and changes nothing', async () => {
    const before = await list();
    const bad = await cli('numbers', 'add', '--number', '0800 12', '--profile', 'main', '--label', 'x');
    expect(bad).toMatchObject({ code: 2, err: 'support-line numbers: number "0800 12" is not a valid phone number\n' });
    const profile = await cli('numbers', 'add', '--number', '01632 960011', '--profile', 'vip', '--label', 'x');
    expect(profile).toMatchObject({ code: 2, err: 'support-line numbers: --profile: "vip" is not one of main, cat4_24h, billing\n' });
    const twice = await cli('numbers', 'add', '--number', '+441632960000', '--profile', 'billing', '--label', 'again');
    expect(twice).toMatchObject({ code: 2, err: "support-line numbers: number +441632960000 is already one of the line's numbers\n" });
    expect((await cli('numbers', 'set-profile', '--number', '01632 960099', '--profile', 'billing')).code).toBe(2);
    expect((await cli('numbers', 'remove', '--number', 'not a number')).code).toBe(2);
    expect(await list()).toEqual(before);
  });

  it('changes a number\'s profile and removes it; a removed number dialled is the main line', async () => {
    expect(await dialledProfile(fresh.db, '+441632960010')).toEqual({ profile: 'billing', mainNumber: '+441632960000', number: '+441632960010', known: true });
    expect(JSON.parse((await cli('numbers', 'set-profile', '--number', '01632960010', '--profile', 'cat4_24h')).out)).toMatchObject({ profile: 'cat4_24h' });
    expect((await dialledProfile(fresh.db, '01632 960010')).profile).toBe('cat4_24h');
    expect((await cli('numbers', 'remove', '--number', '+441632960010')).code).toBe(0);
    expect(await dialledProfile(fresh.db, '+441632960010')).toEqual({ profile: 'main', mainNumber: '+441632960000', number: '+441632960010', known: false });
    expect(await dialledProfile(fresh.db, 'support')).toEqual({ profile: 'main', mainNumber: '+441632960000', number: null, known: false });
  });
});
