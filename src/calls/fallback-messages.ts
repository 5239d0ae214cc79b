// Messages the dialplan took while no instance held the Asterisk application: each
// becomes a call and a message ticket with the recording, like any message from a
// caller who never signed in, so no such call is lost to the log or the desk's callbacks.
// Every step is idempotent (the call by its recording name, the ticket by its call), so
// two instances, or a sweep after a crash, log each message once.
import { randomUUID } from 'node:crypto';
import type { Division } from '../domain/calendar/bank-holidays.ts';
import { fallbackMessageTicket, parseFallbackRecording } from '../domain/flow/fallback-message.ts';
import { ConflictError } from '../store/errors.ts';
import type { CallRecords } from './records.ts';

/** `already-logged`: a sweep before this one (this process's or another's) logged it. */
export type FallbackResult = 'logged' | 'already-logged' | 'not-fallback';

export async function logFallbackMessage(
  deps: { records: CallRecords; division: Division },
  recordingName: string,
): Promise<FallbackResult> {
  const parsed = parseFallbackRecording(recordingName);
  if (!parsed) return 'not-fallback';
  const { records } = deps;
  const { at, from } = parsed;
  let callId = await records.findCallId('asterisk', recordingName);
  // The call is closed last: a closed one has its ticket, recording and timeline too.
  if (callId && (await records.callClosed(callId))) return 'already-logged';
  if (!callId) {
    callId = randomUUID();
    try {
      await records.openCall({ id: callId, carrier: 'asterisk', carrierCallId: recordingName, from, to: '', startedAt: at });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      callId = await records.findCallId('asterisk', recordingName);
      if (!callId) throw err;
    }
  }
  const closures = await records.closuresAround(at);
  const ticket = await records.createTicket(fallbackMessageTicket({ callId, carrier: 'asterisk', from, at, division: deps.division, closures }), at);
  await records.attachRecording(ticket.id, recordingName, at);
  await records.appendTimeline([{ callId, seq: 1, at, type: 'dialplan-fallback-message', detail: { recordingName, ticketId: ticket.id } }]);
  await records.closeCall(callId, {
    outcome: 'message',
    endReason: 'message-left-in-dialplan-fallback',
    hangupCause: null,
    endedAt: at,
    route: 'voicemail',
    routeReason: 'the line was not connected: the dialplan took the message',
    recordingName,
  });
  return 'logged';
}
