// The Twilio carrier: each webhook becomes one event for the call flow (through the
// call service's narrow door) and the flow's media commands come back as TwiML.
// Every feed carries the CallSid and the step from the signed URL as its
// idempotency key, so a webhook Twilio delivers twice has the effect of one. The
// signed URL also names the call: no webhook looks it up, the call service checks it
// is the CallSid's call when it loads it, and what Twilio reported goes in that
// step's own timeline write (a retried webhook writes nothing twice).
import type { Logger } from 'pino';
import { UnknownCallError } from '../../calls/call-service.ts';
import type { CallDriver, CarrierNote, Done, Step } from '../../calls/types.ts';
import { ENGINEER_ACCEPT_KEY, engineerKeyOutcome } from '../../domain/flow/rules.ts';
import type { EngineerOutcome, FlowEvent } from '../../domain/flow/types.ts';
import { prompt } from '../../domain/prompts.ts';
import { createLinks, decodeUtterance } from './links.ts';
import {
  MAX_SANE_DIGITS,
  callerGone,
  deskOutcome,
  dialBridged,
  engineerOutcome,
  isFinalStatus,
  restLegOutcome,
  seconds,
  sipLegFailed,
  type LegQuery,
  type RecordingQuery,
  type ScreenQuery,
  type StatusQuery,
  type StepQuery,
  type WaitQuery,
  type WebhookParams,
} from './params.ts';
import type { TwilioRest } from './rest.ts';
import type { TwilioSettings } from './settings.ts';
import {
  renderBridge,
  renderCallerStep,
  renderEmpty,
  renderHangup,
  renderQueueBridge,
  renderWait,
  renderSafeAfterDesk,
  renderSafeRecorded,
  renderSafeRoute,
  renderScreen,
  renderSipHandOff,
  type SafeContext,
} from './twiml.ts';

/** A webhook's answer: a TwiML document, or nothing (204) for callbacks. */
export type Reply = { twiml: string } | { empty: true };

export interface TwilioCarrierDeps {
  driver: CallDriver;
  settings: TwilioSettings;
  logger: Logger;
  clock: () => Date;
  /** True while the ARI carrier is connected; then calls go to Asterisk first. */
  isAsteriskHealthy: () => boolean;
  /**
   * Twilio's REST API: with it, the on-call engineer is rung the moment the flow dials
   * them and the caller hears the reference in a queue meanwhile; without it, the
   * caller's <Dial> rings them after the reference.
   */
  rest?: Pick<TwilioRest, 'ringEngineer' | 'endCall' | 'redirectCall'> | null;
}

export type TwilioCarrier = ReturnType<typeof createTwilioCarrier>;

const twiml = (document: string): Reply => ({ twiml: document });
const NOTHING: Reply = { empty: true };

export function createTwilioCarrier(deps: TwilioCarrierDeps) {
  const { driver, settings, clock } = deps;
  const links = createLinks(settings.publicBaseUrl);
  const safeContext: SafeContext = { deskNumber: settings.deskNumber, voice: settings, links };
  const log = deps.logger.child({ carrier: 'twilio' });

  /** Timeline notes are facts for people; a failure to write one must not cost the caller the call. */
  async function note(callId: string, type: string, detail: Record<string, unknown>, at: Date, idempotencyKey?: string): Promise<void> {
    try {
      await driver.note(callId, type, detail, at, idempotencyKey ? { idempotencyKey } : {});
    } catch (err) {
      log.warn({ err, callId, type }, 'could not write a Twilio note to the timeline');
    }
  }

  function safeRoute(): Reply {
    return twiml(renderSafeRoute(safeContext));
  }

  async function render(callId: string, step: Step, next: number, p: WebhookParams, at: Date): Promise<Reply> {
    const callLog = log.child({ callId, callSid: p.CallSid });
    const callerId = settings.callerId ?? (p.To || null);
    const ringing = await ringFirst(callId, step, next, p.CallSid, callerId);
    const out = renderCallerStep(step, { callId, step: next, callerId, settings, links, ringing });
    if (out.dropped.length > 0) {
      callLog.error({ dropped: out.dropped, rendered: out.rendered }, 'flow asked for media after a hand-over; Twilio cannot run it');
    }
    if (out.idle) {
      callLog.error({ rendered: out.rendered }, 'flow left the caller with nothing to do: safe route');
      await note(callId, 'twilio.safe-route', { reason: 'nothing to wait on', rendered: out.rendered }, at);
      return safeRoute();
    }
    return twiml(out.twiml);
  }

  /** `work` once for the call and key across instances and deliveries (see CallDriver.once). */
  const once = (callId: string, key: string, work: () => Promise<Done>): Promise<Done> => (driver.once ? driver.once(callId, key, work) : work());

  /**
   * The flow dials an engineer: ring them now through the REST API (null → the caller's
   * <Dial> does). One call per ladder attempt: every delivery of the webhook that asked,
   * on any instance, answers with the call the first one created (or with the <Dial> if
   * Twilio refused it), so the same TwiML.
   */
  async function ringFirst(callId: string, step: Step, next: number, callerSid: string, callerId: string | null): Promise<{ sid: string; engineerId: string } | null> {
    const dial = step.commands.find((c) => c.kind === 'dialEngineer');
    const rest = deps.rest;
    const key = ringKey(step, next, callerSid, callerId);
    if (!dial || dial.kind !== 'dialEngineer' || !rest || !key || !callerId) return null;
    const { engineer } = dial;
    try {
      const done = await once(callId, key, async (): Promise<Done> => {
        try {
          const { sid } = await rest.ringEngineer({
            to: engineer.phone,
            from: callerId,
            url: links.screen(callId, next, engineer.engineerId, dial.whisper, dial.whisperTimeoutSeconds, dial.acceptKey, callerSid),
            statusCallback: links.legStatus(callId, next, 'engineer', engineer.engineerId, callerSid),
            timeoutSeconds: dial.ringSeconds,
          });
          return { sid };
        } catch (err) {
          log.warn({ err, callId, engineerId: engineer.engineerId }, 'could not ring the engineer through the REST API: the caller dials them');
          return {};
        }
      });
      return done['sid'] ? { sid: done['sid'], engineerId: engineer.engineerId } : null;
    } catch (err) {
      log.warn({ err, callId, engineerId: engineer.engineerId }, 'could not claim the engineer\'s ring: the caller dials them');
      return null;
    }
  }

  /** The `once` key under which ringFirst rings the engineer `step` dials (none: it does not ring first). */
  function ringKey(step: Step, next: number, callerSid: string, callerId: string | null): string | undefined {
    const dial = step.commands.find((c) => c.kind === 'dialEngineer');
    if (!dial || dial.kind !== 'dialEngineer' || !deps.rest || !callerId) return undefined;
    return `${callerSid}:${next}:ring:${dial.engineer.engineerId}`;
  }

  /**
   * A REST-rung engineer's attempt ended without them taking the caller (no answer, busy,
   * failed, hung up during the whisper): the flow hears it under the attempt's own key,
   * where the first word stands (their accept, or the screen's decline), and if that moved
   * the call on, the queued caller is sent to the step that says what comes next.
   */
  async function attemptEnded(callId: string, callerSid: string, step: number, engineerId: string, outcome: EngineerOutcome, at: Date): Promise<void> {
    const event: FlowEvent = { type: 'engineerResult', engineerId, outcome };
    const result = await feedCall(callId, callerSid, event, at, `${callerSid}:${step}:engineer`);
    if (result && !result.ended && movedOn(result)) await moveCaller(callId, callerSid, step, engineerId, outcome);
  }

  /**
   * Takes the queued caller out of the queue to the step after their engineer's attempt:
   * once per attempt, however many of its webhooks (screen, status, their retries, on
   * either instance) report that it ended.
   */
  async function moveCaller(callId: string, callerSid: string, step: number, engineerId: string, outcome: EngineerOutcome): Promise<void> {
    const url = links.step(callId, step, 'engineer', { engineer: engineerId, outcome });
    try {
      await once(callId, `${callerSid}:${step}:moved`, async () => {
        try {
          await deps.rest?.redirectCall(callerSid, url);
          return { moved: outcome };
        } catch (err) {
          log.warn({ err, callId, callerSid }, 'could not move the waiting caller on (gone already?)');
          return { moved: 'refused' };
        }
      });
    } catch (err) {
      log.warn({ err, callId, callerSid }, 'could not claim moving the waiting caller on');
    }
  }

  async function startIvr(p: WebhookParams, at: Date, why: string, facts: Record<string, unknown> = {}): Promise<Reply> {
    const notes = [fact('twilio.call', { why, callSid: p.CallSid, direction: p.Direction, ...facts }, at)];
    const step = await driver.start({ carrier: 'twilio', carrierCallId: p.CallSid, from: p.From, to: p.To, at, notes });
    return render(step.callId, step, 1, p, at);
  }

  /**
   * Feeds the call the signed URL names, with what Twilio reported as notes; null when
   * that is not the live call of `callSid` (unknown, over, or another call's URL).
   */
  async function feedCall(
    callId: string,
    callSid: string,
    event: FlowEvent,
    at: Date,
    idempotencyKey: string,
    notes: CarrierNote[] = [],
    claimNext?: (step: Step) => string | undefined,
  ): Promise<Step | null> {
    try {
      return await driver.feed(callId, event, at, { idempotencyKey, notes, carrierCallId: callSid, ...(claimNext ? { claimNext } : {}) });
    } catch (err) {
      if (!(err instanceof UnknownCallError)) throw err;
      log.warn({ callSid, callId }, 'Twilio webhook for a call this line does not know');
      return null;
    }
  }

  const fact = (type: string, detail: Record<string, unknown>, at: Date): CarrierNote => ({ type, detail, at });

  const hangup = (cause: string): FlowEvent => ({ type: 'hangup', cause });

  return {
    /** The number's Voice URL (and Fallback URL, and a SIP trunk's disaster-recovery URL). */
    async voice(p: WebhookParams, via: 'trunk' | 'fallback' | undefined): Promise<Reply> {
      const at = clock();
      // A fallback or disaster-recovery request means the usual path already failed.
      const direct = via !== undefined || p.ErrorCode !== undefined;
      if (!direct && settings.asteriskSipUri && deps.isAsteriskHealthy()) {
        log.info({ callSid: p.CallSid }, 'handing the call to Asterisk over SIP');
        return twiml(renderSipHandOff(settings.asteriskSipUri, links.sipResult(), settings.sipTimeoutSeconds));
      }
      const why = via ?? (p.ErrorCode ? 'fallback' : settings.asteriskSipUri ? 'asterisk-down' : 'voice-url');
      return startIvr(p, at, why, p.ErrorCode ? { errorCode: p.ErrorCode, errorUrl: p.ErrorUrl } : {});
    },

    /** Asterisk's SIP leg ended: if it never took the call, the IVR runs here. */
    async sipResult(p: WebhookParams): Promise<Reply> {
      const at = clock();
      const facts = { dialCallStatus: p.DialCallStatus, sipResponseCode: p.DialSipResponseCode };
      if (sipLegFailed(p) && !isFinalStatus(p.CallStatus)) {
        log.warn({ callSid: p.CallSid, ...facts }, 'SIP hand-off to Asterisk failed: running the IVR on Twilio');
        return startIvr(p, at, 'sip-leg-failed', facts);
      }
      log.info({ callSid: p.CallSid, ...facts }, 'call on Asterisk ended');
      return twiml(renderHangup());
    },

    /** What happened to the last document's question, dial or recording. */
    async step(p: WebhookParams, q: StepQuery): Promise<Reply> {
      const at = clock();
      const callId = q.call;
      const key = `${p.CallSid}:${q.step}`;
      const next = q.step + 1;
      const facts = [fact('twilio.webhook', webhookFacts(p, q), at)];
      /**
       * What Twilio reported rides with one feed of this webhook: its last. A feed whose key
       * another webhook shares (the desk's or engineer's answer, which their leg reported
       * first) may be answered from that first delivery and write nothing; its facts are
       * then that leg's own (screen, leg status) and are not written twice.
       */
      // A step that dials an engineer has their ring claimed in its own put (see ringFirst).
      const claimRing = (s: Step) => ringKey(s, next, p.CallSid, settings.callerId ?? (p.To || null));
      const feed = async (event: FlowEvent, k = key, withFacts = true): Promise<Step> => {
        const step = await feedCall(callId, p.CallSid, event, at, k, withFacts ? facts : [], claimRing);
        if (!step) throw new NotThisCall();
        return step;
      };
      const digits = p.Digits ?? '';

      let step: Step;
      try {
        switch (q.on) {
          case 'gather':
            if (digits.length > MAX_SANE_DIGITS) {
              log.warn({ callId, callSid: p.CallSid, length: digits.length }, 'absurdly long Digits from Twilio: safe route');
              await note(callId, 'twilio.safe-route', { reason: 'digits too long', length: digits.length, ...webhookFacts(p, q) }, at);
              return safeRoute();
            }
            step = await feed(digits === '' && !p.FinishedOnKey ? { type: 'inputTimeout' } : { type: 'input', digits });
            break;
          case 'record':
          case 'record-empty': {
            const duration = seconds(p.RecordingDuration);
            const name = q.on === 'record' && p.RecordingUrl && duration > 0 ? p.RecordingUrl : null;
            step = await feed({ type: 'recorded', recordingName: name, durationSeconds: name ? duration : 0 });
            break;
          }
          case 'no-desk':
            log.warn({ callId, queue: q.queue }, 'no desk number configured for Twilio (DESK_NUMBER): desk counts as failed');
            step = await feed({ type: 'deskResult', outcome: 'failed' });
            break;
          case 'desk':
            if (dialBridged(p)) {
              await feed({ type: 'deskResult', outcome: 'answered' }, `${key}:desk`, false);
              step = await feed(hangup(callerGone(p) ? 'caller-hung-up' : 'desk-hung-up'));
            } else if (callerGone(p)) {
              step = await feed(hangup('caller-hung-up'));
            } else {
              step = await feed({ type: 'deskResult', outcome: deskOutcome(p) });
            }
            break;
          case 'queue': {
            // The line's own REST redirect took the caller out of the queue (the flow had
            // moved on): the redirect's document is what runs next, so nothing happens here.
            if (p.QueueResult === 'redirected') return twiml(renderEmpty());
            if (p.QueueResult === 'bridged') {
              step = await feed(hangup(callerGone(p) ? 'caller-hung-up' : 'engineer-hung-up'));
              break;
            }
            // Out of the queue without the engineer: their call must not ring on for nobody.
            if (q.leg) await deps.rest?.endCall(q.leg, 'canceled').catch((err: unknown) => log.warn({ err, callId, leg: q.leg }, 'could not cancel the engineer call'));
            if (!callerGone(p)) return safeRoute();
            step = await feed(hangup('caller-hung-up'));
            break;
          }
          case 'engineer': {
            if (!q.engineer) return safeRoute();
            if (q.outcome) {
              // The engineer's REST-rung call ended unjoined; its status or screen sent the caller here.
              step = await feed({ type: 'engineerResult', engineerId: q.engineer, outcome: q.outcome }, `${key}:engineer`);
              break;
            }
            if (callerGone(p) && !dialBridged(p)) {
              step = await feed(hangup('caller-hung-up'));
              break;
            }
            // The screen may already have told the flow (a key other than the accept key, or the
            // accept); sharing its key means the first word stands and this one is its echo.
            const outcome = dialBridged(p) ? 'accepted' : engineerOutcome(p);
            const result = await feed({ type: 'engineerResult', engineerId: q.engineer, outcome }, `${key}:engineer`, !dialBridged(p));
            const wasBridged = dialBridged(p) || result.commands.some((c) => c.kind === 'bridgeEngineer');
            step = wasBridged ? await feed(hangup(callerGone(p) ? 'caller-hung-up' : 'engineer-hung-up'), key, dialBridged(p)) : result;
            break;
          }
        }
      } catch (err) {
        if (err instanceof NotThisCall) return safeRoute();
        throw err;
      }
      return render(callId, step, next, p, at);
    },

    /** The engineer answered: they hear the whisper and have one key to accept. */
    async screen(p: WebhookParams, q: ScreenQuery): Promise<Reply> {
      const at = clock();
      const parent = p.ParentCallSid ?? q.parent;
      if (!parent) return twiml(renderHangup());
      const whisper = q.w ? decodeUtterance(q.w) : null;
      if (!whisper) {
        log.error({ callId: q.call, engineerId: q.engineer }, 'screening URL without a readable whisper: engineer leg hung up');
        return twiml(renderHangup());
      }
      const answered = fact('twilio.engineer-answered', { engineerId: q.engineer, legSid: p.CallSid, step: q.step }, at);
      let step: Step | null;
      try {
        step = await feedCall(q.call, parent, { type: 'engineerAnswered', engineerId: q.engineer }, at, `${parent}:${q.step}:answered`, [answered]);
      } catch (err) {
        // This leg is hung up; a caller waiting in the queue on it moves on to the next engineer.
        if (q.parent) await moveCaller(q.call, parent, q.step, q.engineer, 'failed');
        throw err;
      }
      if (!step) return twiml(renderHangup());
      const action = links.screenResult(q.call, q.step, q.engineer, q.k ?? ENGINEER_ACCEPT_KEY, q.parent);
      return twiml(renderScreen(whisper, q.t ?? 10, action, settings, links));
    },

    /** The engineer's key (or none), judged by the flow's rule. Only the flow's bridge command lets the legs join. */
    async screenResult(p: WebhookParams, q: ScreenQuery): Promise<Reply> {
      const at = clock();
      const parent = p.ParentCallSid ?? q.parent;
      if (!parent) return twiml(renderHangup());
      const outcome = engineerKeyOutcome({ acceptKey: q.k ?? ENGINEER_ACCEPT_KEY }, p.Digits);
      // The flow's own `bridge` entry says when the legs are joined; this says what the engineer did.
      const screened = fact('twilio.screen', { engineerId: q.engineer, outcome, legSid: p.CallSid, step: q.step }, at);
      const event: FlowEvent = { type: 'engineerResult', engineerId: q.engineer, outcome };
      const step = await feedCall(q.call, parent, event, at, `${parent}:${q.step}:engineer`, [screened]);
      const bridge = step?.commands.some((c) => c.kind === 'bridgeEngineer' && c.engineerId === q.engineer) ?? false;
      if (q.parent) {
        // Rung through the REST API: the engineer takes the caller from the queue, or the caller moves on.
        if (outcome === 'accepted' && bridge) return twiml(renderQueueBridge(q.call, settings, links));
        if (step && !step.ended && movedOn(step)) await moveCaller(q.call, parent, q.step, q.engineer, outcome);
        return twiml(renderHangup());
      }
      if (outcome === 'accepted' && bridge) return twiml(renderBridge(settings, links));
      if (outcome === 'accepted') log.warn({ callId: q.call, engineerId: q.engineer }, 'engineer accepted but the flow did not bridge (caller gone or ladder moved on)');
      return twiml(renderHangup());
    },

    /** The desk picked up: the flow hears it now, and the legs join as the document ends. */
    async deskAnswer(p: WebhookParams, q: LegQuery): Promise<Reply> {
      const at = clock();
      const parent = p.ParentCallSid;
      if (parent) {
        const answered = fact('twilio.desk-answered', { legSid: p.CallSid, step: q.step }, at);
        await feedCall(q.call, parent, { type: 'deskResult', outcome: 'answered' }, at, `${parent}:${q.step}:desk`, [answered]);
      }
      return twiml(renderEmpty());
    },

    /** Call progress: legs go to the timeline; the caller's final status closes the call. */
    async status(p: WebhookParams, q: StatusQuery): Promise<Reply> {
      const at = clock();
      const facts = { status: p.CallStatus, duration: p.CallDuration, sequence: p.SequenceNumber, legSid: p.CallSid };
      // Twilio retries a callback it got no answer to: the same leg, status and sequence is one fact.
      const key = `${p.CallSid}:status:${p.CallStatus}:${p.SequenceNumber ?? ''}`;
      if (q.leg && q.call) {
        await note(q.call, `twilio.${q.leg}-leg`, { ...facts, engineerId: q.engineer, step: q.step }, at, key);
        // A REST-rung engineer's call that ended: unless they took the caller, the waiting caller moves on.
        const ended = restLegOutcome(p.CallStatus);
        if (q.parent && q.engineer && q.step !== undefined && ended) await attemptEnded(q.call, q.parent, q.step, q.engineer, ended, at);
        return NOTHING;
      }
      const callId = await driver.findCall('twilio', p.CallSid);
      if (!callId) {
        // Calls handed to Asterisk never start here; their status is Asterisk's to report.
        log.debug({ callSid: p.CallSid, status: p.CallStatus }, 'status for a call not run on Twilio');
        return NOTHING;
      }
      const state = isFinalStatus(p.CallStatus) ? await driver.snapshot(callId) : null;
      if (state && state.phase !== 'ended') {
        // The call's end and Twilio's word on it, in one write.
        const cause = state.phase === 'ending' ? 'line-hung-up' : 'caller-hung-up';
        await feedCall(callId, p.CallSid, hangup(cause), at, key, [fact('twilio.status', facts, at)]);
        return NOTHING;
      }
      await note(callId, 'twilio.status', facts, at, key);
      return NOTHING;
    },

    async recordingStatus(p: WebhookParams, q: RecordingQuery): Promise<Reply> {
      const at = clock();
      const detail = {
        name: q.name,
        recordingSid: p.RecordingSid,
        status: p.RecordingStatus,
        duration: p.RecordingDuration,
        url: p.RecordingUrl,
        errorCode: p.ErrorCode,
      };
      if (!q.call) log.warn({ callSid: p.CallSid, ...detail }, 'message left on the safe route: it is held by Twilio only');
      const callId = q.call ?? (await driver.findCall('twilio', p.CallSid));
      if (callId) await note(callId, 'twilio.recording', detail, at, `${p.RecordingSid ?? q.name ?? p.CallSid}:recording:${p.RecordingStatus ?? ''}`);
      return NOTHING;
    },

    /** The safe route's own steps; they touch no store, so they work when the stores do not. */
    async safe(p: WebhookParams, stage: 'desk-done' | 'recorded' | 'record-empty'): Promise<Reply> {
      switch (stage) {
        case 'desk-done':
          return twiml(renderSafeAfterDesk(dialBridged(p), safeContext));
        case 'recorded': {
          const recorded = !!p.RecordingUrl && seconds(p.RecordingDuration) > 0;
          log.warn({ callSid: p.CallSid, recordingUrl: p.RecordingUrl, duration: p.RecordingDuration }, 'safe-route message recorded');
          return twiml(renderSafeRecorded(recorded, safeContext));
        }
        case 'record-empty':
          return twiml(renderSafeRecorded(false, safeContext));
      }
    },

    /** The queued caller's hold while the engineer rings; Twilio asks again each time it ends. */
    async wait(p: WebhookParams, q: WaitQuery): Promise<Reply> {
      const first = decodeUtterance(q.w) ?? [];
      const hold = decodeUtterance(q.h) ?? [];
      const firstPass = !p.QueueTime || p.QueueTime === '0';
      return twiml(renderWait(first, hold, firstPass, settings, links));
    },

    holdOn: (): Reply => twiml(renderWait([], [prompt('hold')], false, settings, links)),
    safeRoute,
    hangupLeg: (): Reply => twiml(renderHangup()),
    connectLeg: (): Reply => twiml(renderEmpty()),
  };
}

/** The flow moved the call on (the next engineer, a message): not a bridge, nor an event it let pass. */
function movedOn(step: Step): boolean {
  return step.commands.length > 0 && !step.commands.some((c) => c.kind === 'bridgeEngineer');
}

/** A step URL that is not (or no longer) the CallSid's live call: the caller gets the safe route. */
class NotThisCall extends Error {}

/** What Twilio reported, for the timeline; a PIN's digits become dots. */
function webhookFacts(p: WebhookParams, q: StepQuery): Record<string, unknown> {
  const facts: Record<string, unknown> = { on: q.on, step: q.step, callStatus: p.CallStatus };
  if (q.on === 'gather') {
    const digits = p.Digits ?? '';
    facts['purpose'] = q.purpose;
    facts['digits'] = q.secret ? '•'.repeat(Math.min(digits.length, MAX_SANE_DIGITS)) : digits.slice(0, MAX_SANE_DIGITS);
    facts['finishedOnKey'] = p.FinishedOnKey ?? '';
  }
  if (q.on === 'desk' || q.on === 'engineer') {
    Object.assign(facts, {
      engineerId: q.engineer,
      dialCallStatus: p.DialCallStatus,
      dialBridged: p.DialBridged,
      dialCallDuration: p.DialCallDuration,
      dialCallSid: p.DialCallSid,
    });
  }
  if (q.on === 'record') {
    Object.assign(facts, { recordingUrl: p.RecordingUrl, recordingDuration: p.RecordingDuration, recordingSid: p.RecordingSid, digits: p.Digits });
  }
  return facts;
}
