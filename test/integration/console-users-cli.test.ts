// Console users from the command line and the demo's first admin: generated
// one-time passwords (never a fixed one), shown once, stored only as hashes.
import { describe, expect, it } from 'vitest';
import { listAudit } from '../../src/store/audit.ts';
import { DEMO_ADMIN_EMAIL, ensureDemoAdmin, verifyPassword } from '../../src/store/users.ts';
import { cli, useCliDatabase } from '../support/cli.ts';
import { freshDatabase } from '../support/db.ts';

const fresh = useCliDatabase();

describe('support-line users', () => {
  it('add prints the user and a generated one-time password that signs in once', async () => {
    const r = await cli('users', 'add', '--role', 'supervisor', '--email', 'Sam.Supervisor@Example.com', '--name', 'Sam Supervisor');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const { user, oneTimePassword } = r.json() as { user: { email: string; role: string; mustChangePassword: boolean }; oneTimePassword: string };
    expect(user).toMatchObject({ email: 'sam.supervisor@example.com', role: 'supervisor', mustChangePassword: true });
    expect(oneTimePassword).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    expect(await verifyPassword(fresh.db, 'sam.supervisor@example.com', oneTimePassword)).toMatchObject({ mustChangePassword: true });
    const [row] = await fresh.db.query<{ password_hash: string }>('select password_hash from users where email = $1', ['sam.supervisor@example.com']);
    expect(row!.password_hash).toMatch(/^scrypt\$/);
    expect(row!.password_hash).not.toContain(oneTimePassword);
    expect((await listAudit(fresh.db, { entity: 'user' }))[0]).toMatchObject({ actor: 'cli', action: 'user.added' });
  });

  it('never hands out the same password twice', async () => {
    const a = (await cli('users', 'add', '--role', 'admin', '--email', 'a@example.com')).json().oneTimePassword;
    const b = (await cli('users', 'add', '--role', 'admin', '--email', 'b@example.com')).json().oneTimePassword;
    expect(a).not.toBe(b);
  });

  it('links an engineer user to an engineer, and only an engineer user', async () => {
    const [eng] = await fresh.db.query<{ id: string }>("insert into engineers (name, phone) values ('Priya Shah', '+447700900201') returning id");
    const ok = await cli('users', 'add', '--role', 'engineer', '--email', 'priya@example.com', '--engineer-id', eng!.id);
    expect(ok.json()).toMatchObject({ user: { engineerId: eng!.id } });
    const bad = await cli('users', 'add', '--role', 'supervisor', '--email', 'x@example.com', '--engineer-id', eng!.id);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/only an engineer user is linked/);
  });

  it('refuses a bad role, a bad email and a taken email with exit code 2', async () => {
    expect((await cli('users', 'add', '--role', 'root', '--email', 'r@example.com')).code).toBe(2);
    expect((await cli('users', 'add', '--role', 'admin', '--email', 'not-an-email')).code).toBe(2);
    const taken = await cli('users', 'add', '--role', 'admin', '--email', 'a@example.com');
    expect(taken.code).toBe(2);
    expect(taken.err).toMatch(/already exists/);
  });

  it('list shows every user without any hash', async () => {
    const r = await cli('users', 'list');
    const users = JSON.parse(r.out) as Record<string, unknown>[];
    expect(users.map((u) => u.email)).toEqual(expect.arrayContaining(['sam.supervisor@example.com', 'priya@example.com']));
    expect(r.out).not.toMatch(/scrypt|password_hash|passwordHash/);
  });

  it('reset-password gives a new one-time password and the old one stops working', async () => {
    const first = (await cli('users', 'add', '--role', 'supervisor', '--email', 'forgetful@example.com')).json().oneTimePassword as string;
    const r = await cli('users', 'reset-password', '--email', 'forgetful@example.com');
    expect(r.code).toBe(0);
    const fresh1 = r.json().oneTimePassword as string;
    expect(fresh1).not.toBe(first);
    expect(await verifyPassword(fresh.db, 'forgetful@example.com', first)).toBeNull();
    expect(await verifyPassword(fresh.db, 'forgetful@example.com', fresh1)).not.toBeNull();
    expect((await cli('users', 'reset-password', '--email', 'nobody@example.com')).code).toBe(2);
  });
});

describe('the demo admin on first start', () => {
  it('is created with a random one-time password only when there are no users at all', async () => {
    const empty = await freshDatabase();
    try {
      const password = await ensureDemoAdmin(empty.db);
      expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
      expect(await verifyPassword(empty.db, DEMO_ADMIN_EMAIL, password!)).toMatchObject({ role: 'admin', mustChangePassword: true });
      expect(await ensureDemoAdmin(empty.db)).toBeNull();
      const other = await freshDatabase();
      try {
        expect(await ensureDemoAdmin(other.db)).not.toBe(password);
      } finally {
        await other.drop();
      }
    } finally {
      await empty.drop();
    }
    // This database has users already: nothing is created.
    expect(await ensureDemoAdmin(fresh.db)).toBeNull();
  });
});
