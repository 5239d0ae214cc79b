// The call service's records in Postgres (or embedded PGlite), via the store's repositories.
import { announcementsAround } from '../store/announcements.ts';
import { dialledProfile } from '../store/line-numbers.ts';
import type { Db } from '../store/db.ts';
import { findAccountForPin, findAccountNumberByPhone, replacePinHash } from '../store/accounts.ts';
import { audit } from '../store/audit.ts';
import { closeCall, findCallByCarrierId, openCall, updateCall } from '../store/calls.ts';
import { listClosures } from '../store/closures.ts';
import { shiftsAt } from '../store/rota.ts';
import { queueCustomerText } from '../store/customer-texts.ts';
import { attachRecording, createTicket, flagTicket, ticketStatusView } from '../store/tickets.ts';
import { escalationFailed, respond, type TicketDeps } from '../tickets/service.ts';
import type { CallRecords, TimelineEntry } from './records.ts';
import { batchTimelineWrites } from './timeline-batch.ts';

/** Closures are looked up around a call: far enough ahead to cover a complaint's 5 working days over Christmas. */
const CLOSURE_LOOKBACK_MS = 24 * 3600_000;
const CLOSURE_LOOKAHEAD_MS = 120 * 24 * 3600_000;

/** Without a configuration (tests, tools): the default division, and breaches told on the console feed only. */
const FEED_ONLY: Omit<TicketDeps, 'db'> = {
  division: 'england-and-wales',
  routing: { dutyManagerPhone: null, sms: false, webhook: false },
};

/** `tickets`: the office calendar and alert routing an engineer's late acceptance is breached and notified with. */
export function pgCallRecords(db: Db, tickets: Omit<TicketDeps, 'db'> = FEED_ONLY): CallRecords {
  return {
    findAccountNumberByPhone: (e164) => findAccountNumberByPhone(db, e164),
    findAccountForPin: (number) => findAccountForPin(db, number),
    replacePinHash: (accountId, checked, replacement) => replacePinHash(db, accountId, checked, replacement),
    async closuresAround(at) {
      const rows = await listClosures(db, {
        from: new Date(at.getTime() - CLOSURE_LOOKBACK_MS),
        to: new Date(at.getTime() + CLOSURE_LOOKAHEAD_MS),
      });
      return rows.map((c) => ({ from: c.from.toISOString(), to: c.to.toISOString(), reason: c.reason }));
    },
    announcementsAround: (at) => announcementsAround(db, at),
    dialledProfile: (to) => dialledProfile(db, to),
    async rotaAt(at) {
      const shifts = await shiftsAt(db, at);
      const engineers = new Map(
        shifts.map((s) => [s.engineerId, { id: s.engineerId, name: s.name, phone: s.phone, dialTarget: s.dialTarget, active: true }]),
      );
      return { shifts, engineers: [...engineers.values()] };
    },
    async openCall(call) {
      await openCall(db, call);
    },
    async findCallId(carrier, carrierCallId) {
      return (await findCallByCarrierId(db, carrier, carrierCallId))?.id ?? null;
    },
    async callClosed(callId) {
      const [row] = await db.query<{ closed: boolean }>('select ended_at is not null as closed from calls where id = $1', [callId]);
      return row?.closed ?? false;
    },
    appendTimeline: batchTimelineWrites(async (entries: readonly TimelineEntry[]) => {
      if (entries.length === 0) return;
      // One statement for a whole step (and for the steps batched with it): one round trip, not one per entry.
      await db.query(
        `insert into call_events (call_id, seq, at, type, detail)
         select * from unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::text[], $5::jsonb[])
         on conflict (call_id, seq) do nothing`,
        [
          entries.map((e) => e.callId),
          entries.map((e) => e.seq),
          entries.map((e) => e.at),
          entries.map((e) => e.type),
          entries.map((e) => JSON.stringify(e.detail)),
        ],
      );
    }),
    async updateCall(callId, summary) {
      await updateCall(db, callId, summary);
    },
    async closeCall(callId, end) {
      const { outcome, endReason, hangupCause, endedAt, ...summary } = end;
      await updateCall(db, callId, summary);
      await closeCall(db, callId, { outcome, endReason, hangupCause, endedAt });
    },
    createTicket: (ticket, at) => createTicket(db, ticket, at),
    async markResponded(ticketId, by, at) {
      await respond({ ...tickets, db }, { ticketId, ...by, at });
    },
    flagTicket: (ticketId, flag, at) => flagTicket(db, ticketId, flag, at),
    escalationFailed: (ticketId, at) => escalationFailed({ ...tickets, db }, { ticketId, at }),
    attachRecording: (ticketId, name, at) => attachRecording(db, ticketId, name, at),
    async textCaller(ticketId, phone, text, at) {
      if (tickets.routing.sms) await queueCustomerText(db, { kind: 'caller_sms', ticketId, phone, text, at });
    },
    ticketStatusView: (accountId, reference) => ticketStatusView(db, accountId, reference),
    async auditPinFailure(d) {
      await audit(db, {
        actor: 'line',
        action: d.locked ? 'pin.locked' : 'pin.failed',
        entity: 'account',
        entityId: null,
        detail: { accountNumber: d.accountNumber, callerPhone: d.callerPhone },
        at: d.at,
      });
    },
  };
}
