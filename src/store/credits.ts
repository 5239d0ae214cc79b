// Service credit rules (data an admin sets) and the monthly statement per account:
// which tickets breached which contracted target that month, and what the tier's
// rule makes of them. Breaches count in the UK month they happened.
import { isTier, type Tier } from '../domain/contracts.ts';
import { creditAmount, type CreditAmount, type CreditRule } from '../domain/sla/credits.ts';
import { audit } from './audit.ts';
import type { Db } from './db.ts';
import { ValidationError } from './errors.ts';
import { requireText } from './validate.ts';

export const CREDIT_RULE_TIERS: readonly Tier[] = ['Cat1', 'Cat2', 'Cat4'];

interface RuleRow {
  tier: Tier;
  basis: 'percent' | 'fixed';
  percent: string | null;
  amount_pence: number | null;
  monthly_cap_percent: string | null;
}

const toRule = (r: RuleRow): CreditRule => ({
  tier: r.tier,
  basis: r.basis,
  percent: r.percent === null ? null : Number(r.percent),
  amountPence: r.amount_pence,
  monthlyCapPercent: r.monthly_cap_percent === null ? null : Number(r.monthly_cap_percent),
});

export async function listCreditRules(db: Db): Promise<CreditRule[]> {
  const rows = await db.query<RuleRow>('select tier, basis, percent, amount_pence, monthly_cap_percent from service_credit_rules order by tier');
  return rows.map(toRule);
}

/** Sets a tier's rule (replacing any), audited. */
export async function setCreditRule(db: Db, rule: CreditRule, actor: string, at: Date): Promise<CreditRule> {
  if (!CREDIT_RULE_TIERS.includes(rule.tier)) throw new ValidationError(`service credits apply to ${CREDIT_RULE_TIERS.join(', ')} only`);
  const percent = rule.basis === 'percent' ? rule.percent : null;
  const amount = rule.basis === 'fixed' ? rule.amountPence : null;
  if (rule.basis === 'percent' && (percent === null || !(percent > 0 && percent <= 100))) throw new ValidationError('percent must be more than 0 and at most 100');
  if (rule.basis === 'fixed' && (amount === null || !Number.isInteger(amount) || amount <= 0 || amount > 100_000_000)) {
    throw new ValidationError('amountPence must be a whole number of pence above 0');
  }
  const cap = rule.monthlyCapPercent;
  if (cap !== null && !(cap > 0 && cap <= 100)) throw new ValidationError('monthlyCapPercent must be more than 0 and at most 100');
  const who = requireText(actor, 'actor');
  return db.tx(async (tx) => {
    const [before] = await tx.query<RuleRow>('select tier, basis, percent, amount_pence, monthly_cap_percent from service_credit_rules where tier = $1 for update', [rule.tier]);
    const [row] = await tx.query<RuleRow>(
      `insert into service_credit_rules (tier, basis, percent, amount_pence, monthly_cap_percent, updated_at, updated_by)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (tier) do update set basis = excluded.basis, percent = excluded.percent, amount_pence = excluded.amount_pence,
         monthly_cap_percent = excluded.monthly_cap_percent, updated_at = excluded.updated_at, updated_by = excluded.updated_by
       returning tier, basis, percent, amount_pence, monthly_cap_percent`,
      [rule.tier, rule.basis, percent, amount, cap, at, who],
    );
    const saved = toRule(row!);
    await audit(tx, { at, actor: who, action: 'credit-rule.set', entity: 'service_credit_rule', entityId: rule.tier, detail: { before: before ? toRule(before) : null, after: saved } });
    return saved;
  });
}

export interface CreditLine {
  reference: string;
  target: string;
  dueAt: Date;
  breachedAt: Date;
}

export interface CreditStatement {
  account: { id: string; number: string; name: string } | null;
  tier: Tier;
  monthlyFeePence: number | null;
  lines: CreditLine[];
  amount: CreditAmount;
}

/** Every account's credits for breaches in [from, to), one statement per account and tier. */
export async function creditStatements(db: Db, window: { from: Date; to: Date }): Promise<CreditStatement[]> {
  const [rules, rows] = await Promise.all([
    listCreditRules(db),
    db.query<{
      account_id: string | null;
      number: string | null;
      name: string | null;
      tier: string;
      reference: string;
      target: string;
      due_at: Date;
      breached_at: Date;
      fee: number | null;
    }>(
      // The fee is the one on the contract of the ticket's tier in force on the breach's UK day.
      `select t.account_id, a.number, a.name, t.tier, t.reference, s.target, s.due_at, s.breached_at,
              (select c.monthly_fee_pence from contracts c
                where c.account_id = t.account_id and c.tier = t.tier
                  and c.starts_on <= (s.breached_at at time zone 'Europe/London')::date
                  and (c.ends_on is null or c.ends_on >= (s.breached_at at time zone 'Europe/London')::date)
                order by c.starts_on desc, c.id desc limit 1) as fee
         from sla_timers s join tickets t on t.id = s.ticket_id left join accounts a on a.id = t.account_id
        where s.service_credit and s.state = 'breached' and s.breached_at >= $1 and s.breached_at < $2
        order by a.number nulls last, t.tier, s.breached_at, t.reference`,
      [window.from, window.to],
    ),
  ]);
  const statements = new Map<string, CreditStatement>();
  for (const r of rows) {
    if (!isTier(r.tier)) continue;
    const key = `${r.account_id ?? '-'}|${r.tier}`;
    let s = statements.get(key);
    if (!s) {
      s = {
        account: r.account_id === null ? null : { id: r.account_id, number: r.number ?? '', name: r.name ?? '' },
        tier: r.tier,
        monthlyFeePence: r.fee,
        lines: [],
        amount: { perBreachPence: null, totalPence: null, capped: false, missing: null },
      };
      statements.set(key, s);
    }
    s.lines.push({ reference: r.reference, target: r.target, dueAt: r.due_at, breachedAt: r.breached_at });
  }
  for (const s of statements.values()) {
    s.amount = creditAmount(rules.find((r) => r.tier === s.tier) ?? null, s.monthlyFeePence, s.lines.length);
  }
  return [...statements.values()];
}
