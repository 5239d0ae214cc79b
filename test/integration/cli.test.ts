// The support-line command: JSON out, one line and exit 2 for bad input,
// against a fresh Postgres database.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli, useCliDatabase } from '../support/cli.ts';

const fresh = useCliDatabase({ migrate: false });
const json = async (...argv: string[]) => {
  const r = await cli(...argv);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown> & unknown[];
};

describe('support-line', () => {
  it('migrates the database once', async () => {
    expect(await json('migrate')).toMatchObject({ ok: true, applied: expect.arrayContaining(['001_initial.sql']) });
    expect(await json('migrate')).toMatchObject({ ok: true, applied: [] });
  });

  it('lists the 2026 bank holidays of England and Wales, with the Boxing Day substitute', async () => {
    const days = (await json('calendar', 'holidays', '--year', '2026')) as unknown as { date: string; title: string }[];
    expect(days[0]).toEqual({ date: '2026-01-01', title: 'New Year’s Day' });
    expect(days.map((d) => d.date)).toContain('2026-12-28');
    expect(days.map((d) => d.date)).toEqual([...days.map((d) => d.date)].sort());
  });

  it('gives Scotland its own holidays', async () => {
    const days = (await json('calendar', 'holidays', '--year', '2026', '--division', 'scotland')) as unknown as { date: string }[];
    expect(days.map((d) => d.date)).toEqual(expect.arrayContaining(['2026-01-02', '2026-11-30']));
  });

  it('says the office is shut on Christmas Eve evening and when it reopens', async () => {
    const s = await json('calendar', 'status', '--at', '2026-12-24T18:30:00Z');
    expect(s).toMatchObject({ open: false, nextOpenAt: '2026-12-29T09:00:00.000Z' });
    expect(typeof s.reason).toBe('string');
  });

  it('computes the Cat1 response due time across a weekend', async () => {
    expect(await json('sla', '--tier', 'Cat1', '--priority', 'standard', '--opened', '2026-11-20T16:30:00Z')).toMatchObject({
      responseDueAt: '2026-11-23T16:30:00.000Z',
      resolutionDueAt: null,
      onsiteHours: null,
    });
  });

  it('moves the due time by a pause in open hours', async () => {
    const r = await json('sla', '--tier', 'Cat1', '--opened', '2026-11-23T09:00:00Z', '--pause', '2026-11-23T10:00:00Z/2026-11-23T11:00:00Z');
    expect(r.responseDueAt).toBe('2026-11-24T10:00:00.000Z');
    // The CLI agrees with tickets: the 8-week ADR point is never paused.
    const complaint = (await json('sla', '--tier', 'Cat1', '--kind', 'complaint', '--opened', '2026-11-23T09:00:00Z', '--pause', '2026-11-23T10:00:00Z/2026-11-30T10:00:00Z')) as unknown as {
      targets: { name: string; dueAt: string; note?: string }[];
    };
    const adr = complaint.targets.find((t) => t.name === 'adr_notice');
    expect(adr).toMatchObject({ dueAt: '2027-01-18T09:00:00.000Z', note: expect.stringMatching(/never paused/) });
    expect(complaint.targets.find((t) => t.name === 'complaint_ack')?.dueAt).toBe('2026-11-30T13:00:00.000Z');
  });

  it('gives Cat4 critical its 2 h response, 4 h resolution and 24 h on-site', async () => {
    expect(await json('sla', '--tier', 'Cat4', '--priority', 'critical', '--opened', '2026-11-21T03:00:00Z')).toMatchObject({
      responseDueAt: '2026-11-21T05:00:00.000Z',
      resolutionDueAt: '2026-11-21T07:00:00.000Z',
      onsiteHours: 24,
    });
  });

  it('routes a Cat4 critical fault at 3am to the on-call engineer', async () => {
    expect(await json('route', '--tier', 'Cat4', '--priority', 'critical', '--at', '2026-11-21T03:00:00Z')).toMatchObject({
      route: 'oncall',
      coverCalendar: 'always',
    });
  });

  it.each([
    [['sla', '--tier', 'Cat9', '--opened', '2026-11-20T16:30:00Z'], /--tier/],
    [['route', '--tier', 'Cat4', '--at', '2026-02-30T03:00:00Z'], /not a real date/],
    [['route', '--tier', 'Cat4', '--at', 'yesterday'], /ISO-8601/],
    [['calendar', 'holidays', '--year', '99999'], /--year/],
    [['calendar', 'holidays', '--year', '2026', '--division', 'wales'], /--division/],
    [['accounts', 'add', '--number', '10042', '--name', 'ACME Ltd', '--tier', 'Cat4', '--pin', '12', '--phone', '+441632960123'], /pin/],
    [['accounts', 'add', '--number', '10042', '--name', 'ACME Ltd', '--tier', 'Cat4', '--pin', '4821', '--phone', 'not-a-phone'], /phone/],
    [['frobnicate'], /unknown command/],
    [['sla', '--tier', 'Cat1', '--bogus', 'x'], /bogus/],
    [['constructor'], /unknown command "constructor"/],
    [['toString'], /unknown command "toString"/],
    [['__proto__'], /unknown command "__proto__"/],
    [['accounts', 'constructor'], /accounts: expected one of add, list, texts, not "constructor"/],
    [['accounts', 'texts', '--number', '10042'], /give one of --on or --off/],
    [['accounts', 'texts', '--number', '99999', '--off'], /no account 99999/],
    [['sla', '--tier', 'Cat1', '--opened', '0000-01-01T00:00:00Z'], /--opened: .*the year must be from 2000 to 2100/],
    [['route', '--tier', 'Cat4', '--at', '2026-11-21T03:00:00+99:00'], /--at: .*within ±14:00/],
    [['closures', 'add', '--from', '9999-12-24T12:00:00Z', '--to', '9999-12-25T12:00:00Z', '--reason', 'x'], /--from: .*the year must be from 2000 to 2100/],
  ])('refuses %j with exit 2 and one line', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
  });

  it('provisions a customer, an engineer, a shift and a closure, and a call goes through', async () => {
    const account = await json('accounts', 'add', '--number', '10042', '--name', 'ACME Ltd', '--tier', 'Cat4', '--pin', '4821', '--phone', '+441632960123', '--from', '2026-01-01', '--to', '2027-12-31');
    expect(account).toMatchObject({ number: '10042', name: 'ACME Ltd', phones: ['+441632960123'] });
    expect(JSON.stringify(account)).not.toContain('4821');
    const engineer = await json('engineers', 'add', '--name', 'Sam Patel', '--phone', '+447700900123');
    await json('rota', 'add', '--engineer', 'Sam Patel', '--from', '2026-11-20T17:00:00Z', '--to', '2026-11-23T09:00:00Z', '--level', 'primary');
    await json('closures', 'add', '--from', '2026-12-24T12:00:00Z', '--to', '2027-01-04T09:00:00Z', '--reason', 'Christmas shutdown');
    expect(((await json('closures', 'list')) as unknown as unknown[]).length).toBe(1);
    expect(((await json('rota', 'list')) as unknown as unknown[]).length).toBe(1);
    expect(await json('accounts', 'texts', '--number', '10042', '--off')).toEqual({ number: '10042', afterCallTexts: false });
    const [texts] = await fresh.db.query<{ sms_after_call: boolean }>("select sms_after_call from accounts where number = '10042'");
    expect(texts?.sms_after_call).toBe(false);
    const again = await cli('accounts', 'add', '--number', '10042', '--name', 'Again', '--tier', 'Cat1', '--pin', '1234');
    expect(again).toMatchObject({ code: 2, err: "support-line accounts: account number 10042 is already ACME Ltd's\n" });
    const samePhone = await cli('accounts', 'add', '--number', '10043', '--name', 'Other', '--tier', 'Cat1', '--pin', '1234', '--phone', '+441632960123');
    expect(samePhone).toMatchObject({ code: 2, err: 'support-line accounts: phone +441632960123 already belongs to account 10042 (ACME Ltd)\n' });
    const twin = await cli('engineers', 'add', '--name', 'sam patel', '--phone', '+447700900124');
    expect(twin.code).toBe(2);
    expect(twin.err).toMatch(/an engineer named Sam Patel already exists/);

    const r = await cli('call', '--from', '+441632960123', '--keys', '4821# 1 1', '--at', '2026-11-21T03:00:00Z');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    const last = JSON.parse(lines.at(-1) ?? '{}');
    expect(last).toMatchObject({ route: 'oncall', outcome: 'engineer', ticketReference: expect.stringMatching(/^\d+$/) });
    expect(last.ticket.dueTimes.response).toBe('2026-11-21T05:00:00.000Z');
    expect(r.out).toMatch(/Sam Patel/);
    expect(r.out).not.toContain('4821');
    expect(engineer).toMatchObject({ name: 'Sam Patel' });
  });
});

describe('a caller who presses nothing', () => {
  it('--keys "- - - -" is four silences, not an option', async () => {
    const silent = await cli('call', '--from', '+441632960999', '--keys', '- - - -', '--at', '2026-11-21T03:00:00Z');
    expect(silent.err).toBe('');
    expect(silent.code).toBe(0);
    expect(silent.out).toMatch(/\(silence\)|no entry|did not hear/i);
  });
});

describe('help', () => {
  it.each([[[]], [['--help']]])('support-line %j lists the commands', async (argv) => {
    const r = await cli(...argv);
    expect(r.out).toMatch(/^usage: support-line <command>/);
    expect(r.out).toMatch(/commands: migrate, seed, accounts/);
  });

  it('every command and subcommand answers --help with its options and exit 0, touching nothing', async () => {
    const { COMMANDS } = await import('../../src/cli/main.ts');
    for (const name of Object.keys(COMMANDS)) {
      const r = await cli(name, '--help');
      expect(r.code, `${name} --help: ${r.err}`).toBe(0);
      expect(r.out, name).toMatch(new RegExp(`^usage: support-line ${name} `));
      const subs = /subcommands: (.*)/.exec(r.out)?.[1]?.split(', ') ?? [];
      for (const sub of subs) {
        const s = await cli(name, sub, '--help');
        expect(s.code, `${name} ${sub} --help: ${s.err}`).toBe(0);
        expect(s.out, `${name} ${sub}`).toMatch(/options:|no options/);
      }
    }
    const call = await cli('call', '--help');
    expect(call.out).toMatch(/--keys <value>/);
  });
});

describe('the installed command', () => {
  it('runs as bin/support-line.mjs', async () => {
    const { stdout } = await promisify(execFile)('node', ['bin/support-line.mjs', 'route', '--tier', 'Cat1', '--at', '2026-11-23T10:00:00Z'], {
      env: { ...process.env, DATABASE_URL: fresh.url },
    });
    expect(JSON.parse(stdout)).toMatchObject({ route: 'desk', coverCalendar: 'office' });
  });
});
