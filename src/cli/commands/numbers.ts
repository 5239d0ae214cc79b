// support-line numbers list|add|remove|set-profile: the line's own numbers and what
// each one does when dialled (main, cat4_24h, billing). Bad input changes nothing:
// each change and its audit entry are one transaction.
import { DIALLED_PROFILES } from '../../domain/dialled.ts';
import { audit } from '../../store/audit.ts';
import { addLineNumber, listLineNumbers, removeLineNumber, setLineNumberProfile, type LineNumber } from '../../store/line-numbers.ts';
import type { Db } from '../../store/db.ts';
import { dispatch, oneOf, parse, required } from '../args.ts';
import type { CliContext } from '../context.ts';

async function change(ctx: CliContext, action: string, apply: (db: Db) => Promise<LineNumber>): Promise<void> {
  const done = await (await ctx.db()).tx(async (db) => {
    const row = await apply(db);
    await audit(db, { actor: 'cli', action, entity: 'line_number', entityId: row.number, detail: { profile: row.profile, label: row.label } });
    return row;
  });
  ctx.out(done);
}

export const numbersCommand = dispatch<CliContext>('numbers', {
  async list(ctx, argv) {
    parse(argv, {});
    ctx.out(await listLineNumbers(await ctx.db()));
  },
  async add(ctx, argv) {
    const o = parse(argv, { number: { type: 'string' }, profile: { type: 'string' }, label: { type: 'string' } });
    const input = { number: required(o.number, 'number'), profile: oneOf(o.profile, DIALLED_PROFILES, 'profile'), label: required(o.label, 'label') };
    await change(ctx, 'line-number.added', (db) => addLineNumber(db, input));
  },
  async remove(ctx, argv) {
    const o = parse(argv, { number: { type: 'string' } });
    const number = required(o.number, 'number');
    await change(ctx, 'line-number.removed', (db) => removeLineNumber(db, number));
  },
  async 'set-profile'(ctx, argv) {
    const o = parse(argv, { number: { type: 'string' }, profile: { type: 'string' } });
    const number = required(o.number, 'number');
    const profile = oneOf(o.profile, DIALLED_PROFILES, 'profile');
    await change(ctx, 'line-number.profile-set', (db) => setLineNumberProfile(db, number, profile));
  },
});
