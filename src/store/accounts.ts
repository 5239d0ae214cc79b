// Customer accounts: who may use the line, their caller IDs, their contracts and
// their voice PIN (stored only as a salted hash).
import type { Service } from '../domain/announcements/rules.ts';
import { TIERS, type AccountStatus, type ContractTerms, type Tier } from '../domain/contracts.ts';
import type { Db } from './db.ts';
import { ConflictError, ValidationError } from './errors.ts';
import { hashPin } from './pin-hash.ts';
import { toE164 } from './phone.ts';
import { isId, requireLocalDate, requireOneOf, requirePhone, requireText } from './validate.ts';

export interface NewAccount {
  /** Digits only: callers key it in. */
  number: string;
  name: string;
  /** 4 to 8 digits; only its hash is kept. */
  pin: string;
  /** Caller IDs, in any form libphonenumber understands (UK by default). */
  phones: string[];
  tier: Tier;
  startsOn: string;
  endsOn: string | null;
  status?: AccountStatus;
  sites?: string[];
}

export interface ContractRecord extends ContractTerms {
  id: string;
  sites: string[];
}

export interface AccountRecord {
  id: string;
  number: string;
  name: string;
  status: AccountStatus;
  createdAt: Date;
  /** E.164. */
  phones: string[];
  contracts: ContractRecord[];
}

/** What checking a voice PIN needs. */
export interface PinAccount {
  id: string;
  number: string;
  name: string;
  pinHash: string;
  status: AccountStatus;
  contracts: ContractTerms[];
  /** What the account takes from us; absent in the degraded mode's cached copy. */
  services?: Service[];
}

const STATUSES: readonly AccountStatus[] = ['active', 'suspended'];

export async function addAccount(db: Db, input: NewAccount): Promise<AccountRecord> {
  const number = input.number.trim();
  if (!/^[0-9]{1,12}$/.test(number)) throw new ValidationError('number must be 1 to 12 digits', 'number');
  const name = requireText(input.name, 'name');
  if (!/^[0-9]{4,8}$/.test(input.pin)) throw new ValidationError('pin must be 4 to 8 digits', 'pin');
  const tier = requireOneOf(input.tier, TIERS, 'tier');
  const status = requireOneOf(input.status ?? 'active', STATUSES, 'status');
  const startsOn = requireLocalDate(input.startsOn, 'startsOn');
  const endsOn = input.endsOn === null ? null : requireLocalDate(input.endsOn, 'endsOn');
  if (endsOn !== null && endsOn < startsOn) throw new ValidationError('endsOn is before startsOn', 'endsOn');
  const phones = [...new Set(input.phones.map((p) => requirePhone(p, 'phones')))];
  const pinHash = hashPin(input.pin);

  // Say who already has the number or phone, in words, rather than Postgres's key text.
  const [taken] = await db.query<{ number: string; name: string }>('select number, name from accounts where number = $1', [number]);
  if (taken) throw new ConflictError(`account number ${number} is already ${taken.name}'s`, 'accounts_number_key');
  for (const phone of phones) {
    const [owner] = await db.query<{ number: string; name: string }>(
      'select a.number, a.name from account_phones p join accounts a on a.id = p.account_id where p.phone = $1',
      [phone],
    );
    if (owner) throw new ConflictError(`phone ${phone} already belongs to account ${owner.number} (${owner.name})`, 'account_phones_pkey');
  }
  const id = await db.tx(async (tx) => {
    const [account] = await tx.query<{ id: string }>(
      'insert into accounts (number, name, pin_hash, status) values ($1, $2, $3, $4) returning id',
      [number, name, pinHash, status],
    );
    const accountId = account!.id;
    for (const phone of phones) {
      await tx.query('insert into account_phones (phone, account_id) values ($1, $2)', [phone, accountId]);
    }
    await tx.query(
      'insert into contracts (account_id, tier, starts_on, ends_on, sites) values ($1, $2, $3, $4, $5)',
      [accountId, tier, startsOn, endsOn, input.sites ?? []],
    );
    return accountId;
  });
  const [created] = await loadAccounts(db, id);
  return created!;
}

export function listAccounts(db: Db): Promise<AccountRecord[]> {
  return loadAccounts(db, null);
}

/** Whether the line texts this account's callers after a call; false when there is no such account. */
export async function setAfterCallTexts(db: Db, accountNumber: string, on: boolean): Promise<{ id: string } | null> {
  const [row] = await db.query<{ id: string }>('update accounts set sms_after_call = $2 where number = $1 returning id', [accountNumber, on]);
  return row ?? null;
}

/** One account with its phones and contracts; null when there is none. */
export async function getAccount(db: Db, id: string): Promise<AccountRecord | null> {
  if (!isId(id)) return null;
  return (await loadAccounts(db, id))[0] ?? null;
}

export async function findAccountNumberByPhone(db: Db, phone: string): Promise<string | null> {
  const e164 = toE164(phone);
  if (!e164) return null;
  const [row] = await db.query<{ number: string }>(
    'select a.number from account_phones p join accounts a on a.id = p.account_id where p.phone = $1',
    [e164],
  );
  return row?.number ?? null;
}

export async function findAccountForPin(db: Db, number: string): Promise<PinAccount | null> {
  const [row] = await db.query<{ id: string; number: string; name: string; pin_hash: string; status: AccountStatus; services: Service[] }>(
    'select id, number, name, pin_hash, status, services from accounts where number = $1',
    [number],
  );
  if (!row) return null;
  const contracts = await db.query<ContractRow>('select * from contracts where account_id = $1 order by starts_on, id', [
    row.id,
  ]);
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    pinHash: row.pin_hash,
    status: row.status,
    contracts: contracts.map((c) => ({ tier: c.tier, startsOn: c.starts_on, endsOn: c.ends_on })),
    services: row.services,
  };
}

/**
 * A right PIN stored under an old scheme or key gets the current hash. Only if the hash
 * is still the one checked: a PIN changed meanwhile stays changed.
 */
export async function replacePinHash(db: Db, accountId: string, checked: string, replacement: string): Promise<void> {
  await db.query('update accounts set pin_hash = $3 where id = $1 and pin_hash = $2', [accountId, checked, replacement]);
}

interface ContractRow {
  id: string;
  account_id: string;
  tier: Tier;
  starts_on: string;
  ends_on: string | null;
  sites: string[];
}

/** Accounts with their phones and contracts; all of them when `id` is null. */
async function loadAccounts(db: Db, id: string | null): Promise<AccountRecord[]> {
  const where = id === null ? '' : 'where id = $1';
  const params = id === null ? [] : [id];
  const accounts = await db.query<{ id: string; number: string; name: string; status: AccountStatus; created_at: Date }>(
    `select id, number, name, status, created_at from accounts ${where} order by number`,
    params,
  );
  const phones = await db.query<{ account_id: string; phone: string }>(
    `select account_id, phone from account_phones ${id === null ? '' : 'where account_id = $1'} order by phone`,
    params,
  );
  const contracts = await db.query<ContractRow>(
    `select * from contracts ${id === null ? '' : 'where account_id = $1'} order by starts_on, id`,
    params,
  );
  return accounts.map((a) => ({
    id: a.id,
    number: a.number,
    name: a.name,
    status: a.status,
    createdAt: a.created_at,
    phones: phones.filter((p) => p.account_id === a.id).map((p) => p.phone),
    contracts: contracts
      .filter((c) => c.account_id === a.id)
      .map((c) => ({ id: c.id, tier: c.tier, startsOn: c.starts_on, endsOn: c.ends_on, sites: c.sites })),
  }));
}
