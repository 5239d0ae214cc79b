// support-line call: one whole call through the real flow and the real stores,
// with a scripted caller; prints the transcript and a final JSON line.
import { createCallService } from '../../calls/call-service.ts';
import { pgCallRecords } from '../../calls/pg-records.ts';
import { ENGINEER_SCRIPTS, runScriptedCall, type EngineerScript } from '../../carriers/cli/scripted-carrier.ts';
import { getCall } from '../../store/calls.ts';
import { getTicket } from '../../store/tickets.ts';
import { createLogger } from '../../logger.ts';
import { routingFromConfig } from '../../notify/channels.ts';
import { instantOrDay, integer, oneOf, parse, required, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';

export async function callCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const o = parse(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    keys: { type: 'string' },
    at: { type: 'string' },
    engineers: { type: 'string' },
    desk: { type: 'string' },
    message: { type: 'string' },
  });
  const from = required(o.from, 'from');
  const keys = (o.keys ?? '').split(/[\s,]+/).filter((k) => k.length > 0);
  for (const k of keys) {
    if (k !== '-' && !/^[0-9*#]{1,32}$/.test(k)) throw new UsageError(`--keys: "${k}" is not keypad input (0-9, * and #, or - for silence)`);
  }

  const engineers = (o.engineers ?? 'accept')
    .split(/[\s,]+/)
    .filter((e) => e.length > 0)
    .map((e) => oneOf(e, ENGINEER_SCRIPTS, 'engineers') as EngineerScript);
  const desk = oneOf(o.desk, ['answer', 'no-answer'] as const, 'desk', 'answer');
  const messageSeconds = o.message === undefined ? 20 : integer(o.message, 'message', 0, 600);
  let now = o.at ? instantOrDay(o.at, 'at', new Date()) : new Date();
  const clock = { now: () => now, advance: (s: number) => (now = new Date(now.getTime() + s * 1000)) };

  const db = await ctx.db();
  const live = await ctx.live();
  const service = createCallService({
    records: pgCallRecords(db, { division: ctx.config.OFFICE_DIVISION, routing: routingFromConfig(ctx.config) }),
    live,
    logger: createLogger('silent'),
    clock: clock.now,
    config: {
      division: ctx.config.OFFICE_DIVISION,
      ringSeconds: ctx.config.ESCALATION_RING_SECONDS,
      rounds: ctx.config.ESCALATION_ROUNDS,
      deskRingSeconds: ctx.config.DESK_OVERFLOW_SECONDS,
      recordingRetentionDays: ctx.config.RECORDING_RETENTION_DAYS,
    },
  });
  const result = await runScriptedCall(
    service,
    { from, to: o.to ?? ctx.config.LINE_CALLER_ID, keys, engineers, desk, messageSeconds },
    clock,
    (l) => ctx.line(`${l.at.slice(11, 19)} ${l.who.padEnd(8)} ${l.text}`),
  );
  await service.close();

  const call = await getCall(db, result.callId);
  const ticket = call?.ticketId ? await getTicket(db, { id: call.ticketId }) : null;
  const dueTimes = Object.fromEntries((ticket?.timers ?? []).map((t) => [t.target, t.dueAt?.toISOString() ?? null]));
  ctx.line(
    JSON.stringify({
      callId: result.callId,
      route: call?.route ?? null,
      outcome: call?.outcome ?? null,
      endReason: call?.endReason ?? null,
      ticketReference: ticket?.reference ?? null,
      ticket: ticket
        ? { reference: ticket.reference, kind: ticket.kind, tier: ticket.tier, priority: ticket.priority, status: ticket.status, dueTimes }
        : null,
    }),
  );
}
