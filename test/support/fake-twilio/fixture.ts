// The customers and engineers of the Twilio scenarios: one account per tier (each
// with its own caller ID, so scenarios in one file never share a PIN counter) and an
// on-call rota of primary, secondary and manager around the test's instants.
import type { Tier } from '../../../src/domain/contracts.ts';
import { addAccount } from '../../../src/store/accounts.ts';
import type { Db } from '../../../src/store/db.ts';
import { addEngineer } from '../../../src/store/engineers.ts';
import { addShift } from '../../../src/store/rota.ts';

export interface Customer {
  number: string;
  name: string;
  tier: Tier;
  pin: string;
  phone: string;
}

export const CUSTOMERS = {
  cat4: { number: '10042', name: 'ACME Ltd', tier: 'Cat4', pin: '4821', phone: '+441632960123' },
  cat2: { number: '10043', name: 'Bramble Solicitors', tier: 'Cat2', pin: '5932', phone: '+441632960124' },
  cat1: { number: '10044', name: 'Castle Vets', tier: 'Cat1', pin: '6043', phone: '+441632960125' },
  catS: { number: '10045', name: 'Dunmore Garage', tier: 'CatS', pin: '7154', phone: '+441632960126' },
  none: { number: '10046', name: 'Elm Street Cafe', tier: 'None', pin: '8265', phone: '+441632960127' },
  /** Only for wrong-PIN scenarios, so their failure counts touch no other scenario. */
  wrongPin: { number: '10047', name: 'Fenwick Builders', tier: 'Cat1', pin: '9376', phone: '+441632960128' },
} as const satisfies Record<string, Customer>;

export const ENGINEERS = {
  sam: { name: 'Sam Patel', phone: '+447700900123', level: 'primary' },
  alex: { name: 'Alex Jones', phone: '+447700900456', level: 'secondary' },
  morgan: { name: 'Morgan Lee', phone: '+447700900789', level: 'manager' },
} as const;

/** Writes the customers and a rota covering `from`..`to`; returns engineer ids by key. */
export async function seedTwilioFixture(db: Db, window: { from: string; to: string }): Promise<Record<keyof typeof ENGINEERS, string>> {
  for (const c of Object.values(CUSTOMERS)) {
    await addAccount(db, { number: c.number, name: c.name, pin: c.pin, phones: [c.phone], tier: c.tier, startsOn: '2020-01-01', endsOn: null });
  }
  const ids = {} as Record<keyof typeof ENGINEERS, string>;
  for (const [key, e] of Object.entries(ENGINEERS) as Array<[keyof typeof ENGINEERS, (typeof ENGINEERS)[keyof typeof ENGINEERS]]>) {
    const engineer = await addEngineer(db, { name: e.name, phone: e.phone });
    ids[key] = engineer.id;
    await addShift(db, { engineerId: engineer.id, level: e.level, from: new Date(window.from), to: new Date(window.to) });
  }
  return ids;
}
