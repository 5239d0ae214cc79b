// PIN lockout across calls over Asterisk: five wrong PINs for an account within 15
// minutes, over two calls, pause voice sign-in even with the right PIN.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startAsteriskLine, type AsteriskLine } from '../support/fake-asterisk/line.ts';
import { hashSecret } from '../../src/store/hashing.ts';
import { pinKeys, verifyPin } from '../../src/store/pin-hash.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();
const { wrongPin } = CUSTOMERS;

let line: AsteriskLine | undefined;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  const violations = line?.violations() ?? [];
  await line?.close();
  expect(violations).toEqual([]);
});

it('three wrong PINs, then two more on the next call lock voice sign-in, even for the right PIN', async () => {
  line = await startAsteriskLine({ db: fresh.db, live: redis.store, at: '2026-11-18T10:00:00Z' });
  const { sim, callOf } = line;

  const first = sim.call({ from: wrongPin.phone });
  await first.hears('enter-pin').presses('1111#').hears('enter-pin').presses('2222#').hears('enter-pin').presses('3333#').hears('auth-failed').isHungUp();

  const second = sim.call({ from: wrongPin.phone });
  await second.hears('enter-pin').presses('4444#').hears('not-verified', 'enter-pin').presses('5555#').hears('pin-locked').isHungUp();

  const third = sim.call({ from: wrongPin.phone });
  await third.hears('enter-pin').presses(`${wrongPin.pin}#`).hears('pin-locked').isHungUp();
  expect(third.transcript).not.toContain('main-menu');
  expect((await callOf(third)).call.outcome).toBe('refused');
});

it('a PIN stored by an older version (salted scrypt) lets its caller in and is re-hashed under the PIN key', async () => {
  const { cat2 } = CUSTOMERS;
  const [account] = await fresh.db.query<{ id: string }>('select id from accounts where number = $1', [cat2.number]);
  const old = await hashSecret(cat2.pin);
  await fresh.db.query('update accounts set pin_hash = $2 where id = $1', [account!.id, old]);
  line = await startAsteriskLine({ db: fresh.db, live: redis.store, at: '2026-11-18T10:00:00Z' });

  const caller = line.sim.call({ from: cat2.phone });
  await caller.hears('enter-pin').presses(`${cat2.pin}#`).hears('main-menu').hangsUp();

  const [stored] = await fresh.db.query<{ pin_hash: string }>('select pin_hash from accounts where id = $1', [account!.id]);
  expect(stored!.pin_hash).toMatch(new RegExp(`^hmac-sha256\\$${pinKeys().current.id}\\$`));
  expect(await verifyPin(cat2.pin, stored!.pin_hash)).toEqual({ ok: true, rehash: null });
});
