// support-line announce …: what callers hear after the greeting, and the incidents they join.
//   announce post --kind incident|maintenance --message T --from ISO --to ISO
//                 [--accounts N,N] [--service phones|broadband] [--dialled +44…] [--incident ID] [--actor A]
//   announce list [--all]
//   announce withdraw --id N [--actor A]
//   incidents open --title T [--tier Cat4] [--actor A]
//   incidents link --id N --ref R [--actor A]
//   incidents resolve --id N [--text] [--note T] [--actor A]
//   incidents list
import { postAnnouncement, withdraw } from '../../announcements/post.ts';
import { soundTargetOf } from '../../announcements/render.ts';
import { routingFromConfig } from '../../notify/channels.ts';
import { listAnnouncements } from '../../store/announcements.ts';
import { linkTicket, listIncidents, openIncident, resolveIncident } from '../../tickets/incidents.ts';
import type { TicketDeps } from '../../tickets/service.ts';
import { dispatch, instant, parse, required } from '../args.ts';
import type { CliContext } from '../context.ts';

const ticketDeps = async (ctx: CliContext): Promise<TicketDeps> => ({
  db: await ctx.db(),
  division: ctx.config.OFFICE_DIVISION,
  routing: routingFromConfig(ctx.config),
});

export const announceCommand = dispatch<CliContext>('announce', {
  async post(ctx, argv) {
    const o = parse(argv, {
      kind: { type: 'string' },
      message: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      accounts: { type: 'string' },
      service: { type: 'string' },
      dialled: { type: 'string' },
      incident: { type: 'string' },
      actor: { type: 'string' },
    });
    const deps = { db: await ctx.db(), sounds: soundTargetOf(ctx.config), warn: (_detail: unknown, message: string) => ctx.line(`warning: ${message}`) };
    const posted = await postAnnouncement(deps, {
      kind: required(o.kind, 'kind'),
      message: required(o.message, 'message'),
      startsAt: instant(o.from, 'from'),
      endsAt: instant(o.to, 'to'),
      accounts: o.accounts === undefined ? undefined : o.accounts.split(',').map((n) => n.trim()),
      service: o.service,
      dialledNumber: o.dialled,
      incidentId: o.incident,
      actor: o.actor ?? 'cli',
      at: new Date(),
    });
    ctx.out(posted);
  },
  async list(ctx, argv) {
    const o = parse(argv, { all: { type: 'boolean' } });
    ctx.out(await listAnnouncements(await ctx.db(), o.all ? {} : { live: new Date() }));
  },
  async withdraw(ctx, argv) {
    const o = parse(argv, { id: { type: 'string' }, actor: { type: 'string' } });
    const id = required(o.id, 'id');
    await withdraw({ db: await ctx.db() }, { id, actor: o.actor ?? 'cli', at: new Date() });
    ctx.out({ withdrawn: id });
  },
});

export const incidentsCommand = dispatch<CliContext>('incidents', {
  async open(ctx, argv) {
    const o = parse(argv, { title: { type: 'string' }, tier: { type: 'string' }, actor: { type: 'string' } });
    ctx.out(await openIncident(await ticketDeps(ctx), { title: required(o.title, 'title'), tier: o.tier, actor: o.actor ?? 'cli', channel: 'console', at: new Date() }));
  },
  async link(ctx, argv) {
    const o = parse(argv, { id: { type: 'string' }, ref: { type: 'string' }, actor: { type: 'string' } });
    const reference = required(o.ref, 'ref');
    await linkTicket(await ticketDeps(ctx), { incidentId: required(o.id, 'id'), reference, actor: o.actor ?? 'cli', at: new Date() });
    ctx.out({ linked: reference });
  },
  async resolve(ctx, argv) {
    const o = parse(argv, { id: { type: 'string' }, text: { type: 'boolean' }, note: { type: 'string' }, actor: { type: 'string' } });
    ctx.out(await resolveIncident(await ticketDeps(ctx), { incidentId: required(o.id, 'id'), text: o.text === true, note: o.note, actor: o.actor ?? 'cli', at: new Date() }));
  },
  async list(ctx, argv) {
    parse(argv, {});
    ctx.out(await listIncidents(await ctx.db()));
  },
});
