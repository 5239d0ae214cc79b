// support-line tickets …: the ticket lifecycle from the command line, and the
// notifications it raises.
//   tickets acknowledge|wait|resume|onsite-decided|onsite|resolve|close|reopen --ref N [--actor A] [--note T]
//   tickets note --ref N --note T [--actor A]
//   tickets adr-done --ref N [--actor A]
//   tickets show --ref N
//   tickets due [--within 2h]
//   tickets complain --account N --summary T [--actor A]
//   notifications ack --id N [--actor A]
//   notifications list [--undelivered] [--ref N]
import { ACTION_PATHS } from '../../http/api/tickets.ts';
import { routingFromConfig } from '../../notify/channels.ts';
import { listNotifications } from '../../store/notifications.ts';
import { NotFoundError } from '../../store/errors.ts';
import { raiseComplaint } from '../../tickets/complaints.ts';
import { dueWithin, parseWindow, showTicket } from '../../tickets/queries.ts';
import { acknowledgeAlert, addNote, applyAction, recordAdrNotice, type TicketDeps } from '../../tickets/service.ts';
import { dispatch, parse, required, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';


type Sub = (ctx: CliContext, argv: string[]) => Promise<void>;

const REFERENCE = /^[0-9]{1,12}$/;


async function deps(ctx: CliContext): Promise<TicketDeps> {
  return { db: await ctx.db(), division: ctx.config.OFFICE_DIVISION, routing: routingFromConfig(ctx.config) };
}

function ref(value: string | undefined): string {
  const v = required(value, 'ref');
  if (!REFERENCE.test(v)) throw new UsageError(`--ref: "${v}" is not a ticket reference (digits)`);
  return v;
}

const actionOptions = { ref: { type: 'string' }, actor: { type: 'string' }, note: { type: 'string' } } as const;

function lifecycle(word: string): Sub {
  const action = ACTION_PATHS[word]!;
  return async (ctx, argv) => {
    const o = parse(argv, actionOptions);
    ctx.out(await applyAction(await deps(ctx), action, { reference: ref(o.ref), actor: o.actor ?? 'cli', at: new Date(), note: o.note }));
  };
}

export const ticketsCommand = dispatch<CliContext>('tickets', {
  ...Object.fromEntries(Object.keys(ACTION_PATHS).map((word) => [word, lifecycle(word)])),
  async note(ctx, argv) {
    const o = parse(argv, actionOptions);
    const reference = ref(o.ref);
    await addNote(await deps(ctx), { reference, actor: o.actor ?? 'cli', at: new Date(), note: required(o.note, 'note') });
    ctx.out({ reference, noted: true });
  },
  async 'adr-done'(ctx, argv) {
    const o = parse(argv, actionOptions);
    ctx.out(await recordAdrNotice(await deps(ctx), { reference: ref(o.ref), actor: o.actor ?? 'cli', at: new Date(), note: o.note }));
  },
  async show(ctx, argv) {
    const o = parse(argv, { ref: { type: 'string' } });
    const reference = ref(o.ref);
    const ticket = await showTicket(await ctx.db(), reference);
    if (!ticket) throw new NotFoundError('ticket', reference);
    ctx.out(ticket);
  },
  async due(ctx, argv) {
    const o = parse(argv, { within: { type: 'string' } });
    const within = o.within ?? '2h';
    const ms = parseWindow(within);
    if (ms === null) throw new UsageError(`--within: "${within}" must be minutes, hours or days, e.g. 90m, 2h, 1d (at most 31d)`);
    const timers = await dueWithin(await ctx.db(), new Date(), ms);
    ctx.out(
      timers.map((t) => ({
        ref: t.reference,
        account: t.account,
        target: t.target,
        dueAt: t.dueAt.toISOString(),
        state: t.state,
        warned: t.warnedAt !== null,
        ticketStatus: t.status,
      })),
    );
  },
  async complain(ctx, argv) {
    const o = parse(argv, { account: { type: 'string' }, summary: { type: 'string' }, actor: { type: 'string' } });
    ctx.out(
      await raiseComplaint(await deps(ctx), {
        accountNumber: required(o.account, 'account'),
        summary: required(o.summary, 'summary'),
        actor: o.actor ?? 'cli',
        channel: 'console',
        at: new Date(),
      }),
    );
  },
});

export const notificationsCommand = dispatch<CliContext>('notifications', {
  async ack(ctx, argv) {
    const o = parse(argv, { id: { type: 'string' }, actor: { type: 'string' } });
    const id = required(o.id, 'id');
    const acknowledged = await acknowledgeAlert({ db: await ctx.db() }, { id, actor: o.actor ?? 'cli', at: new Date() });
    ctx.out({ id, acknowledged: acknowledged.map((n) => n.id) });
  },
  async list(ctx, argv) {
    const o = parse(argv, { undelivered: { type: 'boolean' }, ref: { type: 'string' } });
    const db = await ctx.db();
    let ticketId: string | undefined;
    if (o.ref !== undefined) {
      const ticket = await showTicket(db, ref(o.ref));
      if (!ticket) throw new NotFoundError('ticket', o.ref);
      ticketId = ticket.id;
    }
    ctx.out(await listNotifications(db, { undelivered: o.undelivered ?? false, ...(ticketId ? { ticketId } : {}) }));
  },
});
