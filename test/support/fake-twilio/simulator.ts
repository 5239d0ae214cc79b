// A simulated Twilio: it places calls into the app exactly as Twilio's webhooks do
// (the real parameter sets, signed with the twilio package against the public URL),
// reads every answer strictly as TwiML, and follows it: Gather posts the keys the
// caller pressed, Dial rings the scripted phones (screening URL, then the Dial
// action), Record posts a recording, the call's end posts the status callback.
// Time is simulated: ring timeouts and recordings move `now` and call `onAdvance`.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { PROMPTS, isPromptId, type PromptId } from '../../../src/domain/prompts.ts';
import { LEG_DOCUMENT_VERBS, OUTBOUND_DOCUMENT_VERBS, TwimlError, WAIT_DOCUMENT_VERBS, parseTwiml } from './twiml.ts';
import type { XmlElement } from './xml.ts';

export interface SimulatorOptions {
  /**
   * Where the app listens, e.g. http://127.0.0.1:41234. Several: a load balancer in
   * front of several instances, each webhook to the next one in turn.
   */
  target: string | readonly string[];
  /** What Twilio believes the app's address is (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  authToken: string;
  accountSid?: string;
  /** The support line's Twilio number. */
  lineNumber?: string;
  /** The number's Voice URL path. */
  voicePath?: string;
  /** The number's status callback path; null → not configured. */
  statusCallbackPath?: string | null;
  startAt?: Date;
  /** Simulated time passed (ringing, silence, recording): move the app's clock too. */
  onAdvance?: (ms: number) => void;
  /**
   * How fast the caller's <Say>/<Play> speech goes, in words a second; unset → speech
   * takes no simulated time (what most scenarios want). Set it to time what a caller
   * hears before something happens (2.5 is a calm text-to-speech voice).
   */
  speechWordsPerSecond?: number;
}

/** A call the app created through the REST API (`calls.create` with a `url`). */
export interface OriginatedCall {
  sid: string;
  to: string;
  from: string;
  url: string;
  statusCallback: string | null;
  statusCallbackEvent: string[];
  timeout: number | null;
}

export interface SentWebhook {
  url: string;
  params: Record<string, string>;
  signature: string;
  status: number;
  contentType: string;
  body: string;
}

export type Params = Record<string, string>;

export const newSid = (prefix: string): string => prefix + randomBytes(16).toString('hex');

export class TwilioSimulator {
  readonly accountSid: string;
  readonly lineNumber: string;
  readonly webhooks: SentWebhook[] = [];
  readonly asterisk = new AsteriskScript();
  private readonly phones = new Map<string, Phone>();
  /**
   * A caller redirected out of a queue by the REST API also has their <Enqueue action>
   * requested, with QueueResult "redirected" (unverified either way; off by default).
   */
  redirectAsksEnqueueAction = false;
  /** Callers waiting in each named queue (<Enqueue>), first in first out. */
  readonly queues = new Map<string, Caller[]>();
  private readonly callers = new Map<string, Caller>();
  private readonly legs = new Map<string, OutboundLeg>();
  /** What REST requests set going, run between the callers' steps (never inside the app's request). */
  private due: Array<() => Promise<void>> = [];
  private clock: number;
  private readonly sequence = new Map<string, number>();
  private sent = 0;

  constructor(readonly options: SimulatorOptions) {
    this.accountSid = options.accountSid ?? 'AC' + 'f'.repeat(32);
    this.lineNumber = options.lineNumber ?? '+441632960000';
    this.clock = (options.startAt ?? new Date()).getTime();
  }

  now(): Date {
    return new Date(this.clock);
  }

  advance(seconds: number): void {
    if (seconds <= 0) return;
    this.clock += seconds * 1000;
    this.options.onAdvance?.(seconds * 1000);
  }

  /** A caller rings the line: Twilio requests the Voice URL. */
  call(opts: { from: string; to?: string; voicePath?: string; extra?: Params }): Caller {
    const caller = new Caller(this, opts.from, opts.to ?? this.lineNumber, opts.voicePath ?? this.options.voicePath ?? '/twilio/voice', opts.extra ?? {});
    this.callers.set(caller.callSid, caller);
    return caller;
  }

  /** Simulated seconds a caller takes to hear `text`. */
  speechSeconds(text: string): number {
    const rate = this.options.speechWordsPerSecond;
    if (!rate) return 0;
    return text.split(/\s+/).filter((w) => w !== '').length / rate;
  }

  /**
   * REST `calls.create` with a `url`: the phone starts ringing now (its ring is stamped
   * with this moment); what it does runs when the callers' scripts next move (`runLegs`).
   */
  originate(call: OriginatedCall): void {
    const phone = this.phone(call.to);
    const leg = new OutboundLeg(this, call, phone.next());
    phone.rings.push(leg.ring);
    this.legs.set(call.sid, leg);
    this.due.push(() => leg.run());
  }

  /**
   * REST `calls(sid).update`: `Status=canceled` ends a call still queued or ringing (an
   * answered one carries on), `completed` ends any live call, `Url` moves it to a new
   * document. False when no such call.
   */
  update(sid: string, change: { status?: 'canceled' | 'completed'; url?: string }): boolean {
    const leg = this.legs.get(sid);
    const caller = this.callers.get(sid);
    if (leg) {
      const status = change.status;
      if (status) {
        leg.stopping = true; // ended by request: it rings no further
        this.due.push(() => leg.end(status));
      }
    } else if (caller) {
      this.due.push(() => caller.updated(change));
    } else {
      return false;
    }
    return true;
  }

  /** Runs what the REST-created calls do, until each has ended or waits on a caller's next move. */
  async runLegs(): Promise<void> {
    for (let next = this.due.shift(); next; next = this.due.shift()) await next();
  }

  /** A live REST-created call by sid (tests). */
  leg(sid: string): OutboundLeg | undefined {
    return this.legs.get(sid);
  }

  /**
   * Follows a leg's own document (whisper, screening, a REST call's `url`): its media go in
   * `heard`, its Gathers take the planned keys. Ends at a <Hangup/>, the document's end,
   * or a <Dial> (only where `allowed` has it), which it returns.
   */
  async followLegDocument(
    url: string,
    params: Params,
    keys: { left: string | null; hangsUp?: boolean },
    heard: string[],
    allowed: string[],
  ): Promise<{ end: 'hangup' | 'document' } | { end: 'dial'; verb: XmlElement }> {
    let pending = await this.fetchTwiml(url, params, allowed);
    for (;;) {
      const verb = pending.shift();
      if (!verb) return { end: 'document' };
      switch (verb.name) {
        case 'Say':
        case 'Play':
        case 'Pause':
          this.hear(verb, heard, false);
          break;
        case 'Gather': {
          for (const m of verb.children) this.hear(m, heard, false);
          // Hung up while being asked: the call ends there and the Gather's action is never requested.
          if (keys.hangsUp && !keys.left) return { end: 'hangup' };
          const action = verb.attrs['action'] ?? url;
          if (keys.left) {
            const { digits, finishedOn, used } = gatherKeys(verb, keys.left);
            keys.left = keys.left.slice(used);
            pending = await this.fetchTwiml(action, { ...params, Digits: digits, FinishedOnKey: finishedOn }, allowed);
          } else {
            this.advance(Number(verb.attrs['timeout'] ?? 5));
            if (verb.attrs['actionOnEmptyResult'] === 'true') {
              pending = await this.fetchTwiml(action, { ...params, Digits: '', FinishedOnKey: '' }, allowed);
            }
          }
          break;
        }
        case 'Redirect':
          pending = await this.fetchTwiml(verb.text, params, allowed);
          break;
        case 'Hangup':
          return { end: 'hangup' };
        case 'Dial':
          return { end: 'dial', verb };
        default:
          throw new TwimlError(`<${verb.name}> is not allowed in this leg's document`);
      }
    }
  }

  /** What a <Say>/<Play>/<Pause> does to whoever hears it; `timed` → speech takes simulated time. */
  hear(verb: XmlElement, heard: string[], timed: boolean): void {
    const loops = Math.max(1, Number(verb.attrs['loop'] ?? 1));
    for (let i = 0; i < loops; i += 1) {
      const text = verb.name === 'Say' ? verb.text : verb.name === 'Play' ? this.playText(verb.text) : null;
      if (text === null) continue;
      heard.push(text);
      if (timed) this.advance(this.speechSeconds(text));
    }
    if (verb.name === 'Pause') this.advance(Number(verb.attrs['length'] ?? 1));
  }

  /** A caller leaves a queue (dequeued, hung up, left, redirected). */
  dequeue(name: string, caller: Caller): void {
    const waiting = this.queues.get(name) ?? [];
    const i = waiting.indexOf(caller);
    if (i >= 0) waiting.splice(i, 1);
  }

  /** The Enqueue webhooks' queue facts (names as Twilio sends them; unverified detail). */
  queueParams(name: string, caller: Caller): Params {
    const waiting = this.queues.get(name) ?? [];
    return {
      QueueSid: queueSid(name),
      QueuePosition: String(Math.max(1, waiting.indexOf(caller) + 1)),
      CurrentQueueSize: String(waiting.length),
      AvgQueueTime: '0',
      QueueTime: String(caller.queueSeconds()),
    };
  }

  /** A phone the line may dial (an engineer, the desk); scripted per ring. */
  phone(number: string): Phone {
    let phone = this.phones.get(number);
    if (!phone) {
      phone = new Phone(number);
      this.phones.set(number, phone);
    }
    return phone;
  }

  engineer(number: string): Phone {
    return this.phone(number);
  }

  desk(number: string): Phone {
    return this.phone(number);
  }

  /** Signs and posts a webhook as Twilio does; `signature` overrides (tests of refusals). */
  async send(url: string, params: Params, opts: { signature?: string | null } = {}): Promise<SentWebhook> {
    const base = this.options.publicBaseUrl.replace(/\/+$/, '');
    if (!url.startsWith(base + '/')) throw new TwimlError(`URL ${url} is not under the public base URL ${base}`);
    const path = url.slice(base.length);
    const signature = opts.signature === undefined ? twilio.getExpectedTwilioSignature(this.options.authToken, url, params) : opts.signature;
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'TwilioProxy/1.1' };
    if (signature !== null) headers['X-Twilio-Signature'] = signature;
    const targets = typeof this.options.target === 'string' ? [this.options.target] : this.options.target;
    const target = targets[this.sent++ % targets.length] ?? '';
    const res = await fetch(target.replace(/\/+$/, '') + path, {
      method: 'POST',
      headers,
      body: new URLSearchParams(params).toString(),
    });
    const sent: SentWebhook = {
      url,
      params,
      signature: signature ?? '',
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      body: await res.text(),
    };
    this.webhooks.push(sent);
    return sent;
  }

  /** Delivers a webhook again, byte for byte (Twilio's retry). */
  replay(webhook: SentWebhook): Promise<SentWebhook> {
    return this.send(webhook.url, webhook.params, { signature: webhook.signature });
  }

  /** Requests a TwiML document as Twilio does: anything but 200 + valid TwiML fails the call. */
  async fetchTwiml(url: string, params: Params, allowed?: string[]): Promise<XmlElement[]> {
    const sent = await this.send(url, params);
    if (sent.status !== 200) {
      throw new TwilioCallError(`HTTP ${sent.status} from ${url}: the caller would hear Twilio's application error`, sent);
    }
    const doc = parseTwiml(sent.body, sent.contentType);
    if (allowed) {
      for (const verb of doc.children) {
        if (!allowed.includes(verb.name)) throw new TwimlError(`<${verb.name}> is not allowed in a <Number url> document`);
      }
    }
    return doc.children;
  }

  /** The standard parameters Twilio sends about a call leg. */
  callParams(leg: { sid: string; from: string; to: string; status: string; direction: string; parent?: string }): Params {
    const geo = (prefix: string): Params => ({
      [`${prefix}City`]: '',
      [`${prefix}Country`]: 'GB',
      [`${prefix}State`]: '',
      [`${prefix}Zip`]: '',
    });
    return {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: leg.sid,
      CallStatus: leg.status,
      Called: leg.to,
      ...geo('Called'),
      Caller: leg.from,
      ...geo('Caller'),
      Direction: leg.direction,
      From: leg.from,
      ...geo('From'),
      To: leg.to,
      ...geo('To'),
      ...(leg.parent ? { ParentCallSid: leg.parent } : {}),
    };
  }

  /** A status callback event for a leg, numbered per call as Twilio does. */
  async statusCallback(url: string, base: Params, status: string, extra: Params = {}): Promise<void> {
    const sid = base['CallSid'] ?? '';
    const n = this.sequence.get(sid) ?? 0;
    this.sequence.set(sid, n + 1);
    const sent = await this.send(url, {
      ...base,
      CallStatus: status,
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(n),
      Timestamp: this.now().toUTCString().replace('GMT', '+0000'),
      ...extra,
    });
    if (sent.status < 200 || sent.status >= 300) throw new TwilioCallError(`status callback ${url} answered ${sent.status}`, sent);
  }

  /** The text a <Play> URL stands for: a catalogue prompt, or the URL itself. */
  playText(url: string): string {
    const m = /\/prompts\/([a-z0-9-]+)\.[a-z0-9]+$/.exec(url);
    if (m && isPromptId(m[1] ?? '')) return PROMPTS[m[1] as PromptId];
    return `[audio ${url}]`;
  }

  recordingUrl(sid: string): string {
    return `https://api.twilio.com/2010-04-01/Accounts/${this.accountSid}/Recordings/${sid}`;
  }
}

export class TwilioCallError extends Error {
  constructor(message: string, readonly webhook?: SentWebhook) {
    super(message);
    this.name = 'TwilioCallError';
  }
}

// ---------------------------------------------------------------------------
// Phones the line dials

interface Plan {
  kind: 'answer' | 'no-answer' | 'busy' | 'failed' | 'ringing';
  afterSeconds: number;
  /** Keys pressed at the screening prompt; null → none (silence). */
  keys: string | null;
  /** Seconds of conversation before they hang up; null → until the caller does. */
  talksFor: number | null;
  /** Hangs up at the screening question instead of pressing a key. */
  hangsUp?: boolean;
}

export interface Ring {
  callSid: string;
  /** When the phone started ringing (simulated clock). */
  startedAt: Date;
  outcome: 'answered' | 'no-answer' | 'busy' | 'failed' | 'canceled';
  /** What this leg heard (the whisper). */
  heard: string[];
  bridged: boolean;
}

/** One phone number's behaviour, one plan per time it rings; unplanned rings go unanswered. */
export class Phone {
  readonly rings: Ring[] = [];
  private readonly plans: Plan[] = [];

  constructor(readonly number: string) {}

  answers(opts: { afterSeconds?: number } = {}): this {
    this.plans.push({ kind: 'answer', afterSeconds: opts.afterSeconds ?? 3, keys: null, talksFor: null });
    return this;
  }

  /** Keys pressed on the ring being planned (after `answers`). */
  presses(keys: string): this {
    this.current('presses').keys = keys;
    return this;
  }

  /** Answers, hears the whisper and hangs up before pressing anything (on the ring being planned, after `answers`). */
  hangsUpDuringWhisper(): this {
    this.current('hangsUpDuringWhisper').hangsUp = true;
    return this;
  }

  /** Hangs up after this many seconds joined to the caller. */
  talksFor(seconds: number): this {
    this.current('talksFor').talksFor = seconds;
    return this;
  }

  doesNotAnswer(): this {
    this.plans.push({ kind: 'no-answer', afterSeconds: 0, keys: null, talksFor: null });
    return this;
  }

  isBusy(): this {
    this.plans.push({ kind: 'busy', afterSeconds: 0, keys: null, talksFor: null });
    return this;
  }

  fails(): this {
    this.plans.push({ kind: 'failed', afterSeconds: 0, keys: null, talksFor: null });
    return this;
  }

  /** A voicemail box picks up: it hears the whisper and presses nothing. */
  voicemailAnswers(opts: { afterSeconds?: number } = {}): this {
    this.plans.push({ kind: 'answer', afterSeconds: opts.afterSeconds ?? 15, keys: null, talksFor: null });
    return this;
  }

  /** Rings until the caller gives up. */
  keepsRinging(): this {
    this.plans.push({ kind: 'ringing', afterSeconds: 0, keys: null, talksFor: null });
    return this;
  }

  next(): Plan {
    return this.plans.shift() ?? { kind: 'no-answer', afterSeconds: 0, keys: null, talksFor: null };
  }

  /** Everything this phone heard, across rings. */
  get heard(): string[] {
    return this.rings.flatMap((r) => r.heard);
  }

  private current(what: string): Plan {
    const plan = this.plans[this.plans.length - 1];
    if (!plan || plan.kind !== 'answer') throw new Error(`${what}() must follow answers() for ${this.number}`);
    return plan;
  }
}

/** What the Asterisk box does with a <Dial><Sip> hand-off. */
export class AsteriskScript {
  readonly handOffs: string[] = [];
  private plan: { kind: 'answer' } | { kind: 'fail'; status: 'failed' | 'busy' | 'no-answer'; code: number } | null = null;

  answers(): this {
    this.plan = { kind: 'answer' };
    return this;
  }

  rejects(code = 503): this {
    this.plan = { kind: 'fail', status: code === 486 || code === 600 ? 'busy' : 'failed', code };
    return this;
  }

  doesNotAnswer(): this {
    this.plan = { kind: 'fail', status: 'no-answer', code: 408 };
    return this;
  }

  take(uri: string): NonNullable<AsteriskScript['plan']> {
    this.handOffs.push(uri);
    if (!this.plan) throw new Error(`the app handed the call to Asterisk (${uri}) but the test did not say what Asterisk does`);
    return this.plan;
  }
}

// ---------------------------------------------------------------------------
// The caller

type CallerState = 'running' | 'gather' | 'record' | 'ringing' | 'queued' | 'bridged' | 'ended';

interface DialOutcome {
  status: 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled';
  bridged: boolean;
  childSid: string;
  duration: number;
  sipCode?: number;
}

interface OpenDial {
  /** The caller's <Dial>, or their <Enqueue> when a <Dial><Queue> took them out of it. */
  verb: XmlElement;
  party: string;
  childSid: string;
  since: number;
  legStatus: (status: string, extra?: Params) => Promise<void>;
  sip: boolean;
}

/**
 * A caller, scripted like a phone call: `await sim.call({ from }).hears('greeting').presses('4821#')`.
 * Steps queue up and run in order when awaited.
 */
export class Caller implements PromiseLike<void> {
  readonly callSid = newSid('CA');
  /** Everything said to the caller, in order. */
  readonly heard: string[] = [];
  state: CallerState = 'running';
  endedBy: 'line' | 'caller' | 'document-end' | null = null;
  private chain: Promise<void>;
  private pending: XmlElement[] = [];
  private waitingOn: XmlElement | null = null;
  private openDial: OpenDial | null = null;
  /** The <Enqueue> the caller waits in, and since when. */
  private queued: { verb: XmlElement; since: number } | null = null;
  private documentUrl: string;
  private cursor = 0;
  private readonly answeredAt: number;

  constructor(
    private readonly sim: TwilioSimulator,
    readonly from: string,
    readonly to: string,
    voicePath: string,
    extra: Params,
  ) {
    this.answeredAt = sim.now().getTime();
    const voiceUrl = sim.options.publicBaseUrl.replace(/\/+$/, '') + voicePath;
    this.documentUrl = voiceUrl;
    this.chain = (async () => {
      this.pending = await this.sim.fetchTwiml(voiceUrl, { ...this.params('ringing'), ...extra });
      await this.run();
    })();
  }

  then<R1 = void, R2 = never>(onfulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null, onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null): PromiseLike<R1 | R2> {
    return this.chain.then(onfulfilled, onrejected);
  }

  private step(work: () => Promise<void>): this {
    // REST-created calls move between the caller's steps, as the caller waits.
    this.chain = this.chain
      .then(() => this.sim.runLegs())
      .then(work)
      .then(() => this.sim.runLegs());
    return this;
  }

  // --- what the caller does ----------------------------------------------

  /** Asserts the caller heard each prompt (by id) or text, in this order, since the last `hears`. */
  hears(...what: Array<PromptId | string>): this {
    return this.step(async () => {
      const all = this.heard.join('\n');
      for (const item of what) {
        const text = isPromptId(item) ? PROMPTS[item] : item;
        const at = all.indexOf(text, this.cursor);
        if (at < 0) {
          throw new Error(`caller did not hear "${item}" (state ${this.state}); heard since last check:\n  ${all.slice(this.cursor).split('\n').join('\n  ')}`);
        }
        this.cursor = at + text.length;
      }
    });
  }

  presses(keys: string): this {
    return this.step(async () => {
      if (!/^[0-9*#]+$/.test(keys)) throw new Error(`a phone has no key in "${keys}"`);
      const gather = this.expectWaiting('gather', `press ${keys}`);
      const numDigits = gather.attrs['numDigits'] ? Number(gather.attrs['numDigits']) : Infinity;
      const { digits, finishedOn, used } = gatherKeys(gather, keys);
      if (used < keys.length) throw new Error(`keys "${keys.slice(used)}" pressed after the Gather had finished (numDigits=${gather.attrs['numDigits']})`);
      if (!finishedOn && digits.length < numDigits) this.sim.advance(Number(gather.attrs['timeout'] ?? 5));
      await this.gatherResult(gather, digits, finishedOn);
    });
  }

  staysSilent(): this {
    return this.step(async () => {
      const verb = this.waitingOn;
      if (this.state === 'gather' && verb) {
        this.sim.advance(Number(verb.attrs['timeout'] ?? 5));
        await this.gatherResult(verb, '', '');
        return;
      }
      if (this.state === 'record' && verb) {
        this.sim.advance(Number(verb.attrs['timeout'] ?? 5));
        await this.recordingAbsent(verb);
        this.resume();
        await this.run();
        return;
      }
      throw new Error(`caller stayed silent but nothing was listening (state ${this.state})`);
    });
  }

  leavesMessage(opts: { seconds?: number; endsWith?: '#' | 'hangup' | 'silence' } = {}): this {
    return this.step(async () => {
      const record = this.expectWaiting('record', 'leave a message');
      const max = Number(record.attrs['maxLength'] ?? 3600);
      const seconds = Math.min(opts.seconds ?? 20, max);
      const endsWith = opts.endsWith ?? '#';
      this.sim.advance(seconds + (endsWith === 'silence' ? Number(record.attrs['timeout'] ?? 5) : 0));
      const sid = newSid('RE');
      const recording: Params = {
        RecordingUrl: this.sim.recordingUrl(sid),
        RecordingSid: sid,
        RecordingDuration: String(seconds),
      };
      if (endsWith === '#' && (record.attrs['finishOnKey'] ?? '1234567890*#').includes('#')) recording['Digits'] = '#';
      if (endsWith === 'hangup') recording['Digits'] = 'hangup';
      const action = record.attrs['action'] ?? this.documentUrl;
      if (endsWith === 'hangup') {
        // Twilio still posts the action; what it answers is never run.
        await this.sim.send(action, { ...this.params('completed'), ...recording });
        await this.recordingStatus(record, sid, seconds);
        await this.finish('caller');
        return;
      }
      await this.load(action, recording);
      await this.recordingStatus(record, sid, seconds);
      await this.run();
    });
  }

  hangsUp(): this {
    return this.step(async () => {
      switch (this.state) {
        case 'ended':
          throw new Error('caller hung up a call that had already ended');
        case 'record':
          if (this.waitingOn) await this.recordingAbsent(this.waitingOn);
          break;
        case 'queued':
          await this.leaveQueue('hangup', 'completed');
          break;
        case 'bridged':
        case 'ringing': {
          const dial = this.openDial;
          this.openDial = null;
          if (!dial) break;
          const duration = Math.round((this.sim.now().getTime() - dial.since) / 1000);
          if (this.state === 'ringing') {
            await dial.legStatus('canceled');
            break;
          }
          await dial.legStatus('completed', { CallDuration: String(duration) });
          if (dial.verb.name === 'Enqueue') {
            if (dial.verb.attrs['action']) await this.sim.send(dial.verb.attrs['action'], { ...this.params('completed'), ...this.enqueueResult(dial.verb, 'bridged') });
          } else if (dial.verb.attrs['action']) {
            await this.sim.send(dial.verb.attrs['action'], {
              ...this.params('completed'),
              ...dialParams({ status: 'completed', bridged: true, childSid: dial.childSid, duration }, dial.sip),
            });
          }
          break;
        }
        default:
          break;
      }
      await this.finish('caller');
    });
  }

  /** Asserts the caller is joined to this number (an engineer, the desk, Asterisk's SIP URI). */
  isConnectedTo(party: string): this {
    return this.step(async () => {
      if (this.state !== 'bridged' || this.openDial?.party !== party) {
        throw new Error(`caller is not connected to ${party} (state ${this.state}, connected to ${this.openDial?.party ?? 'nobody'})`);
      }
    });
  }

  /** Asserts the line ended the call (a <Hangup/> or the end of the document). */
  isHungUp(): this {
    return this.step(async () => {
      if (this.state !== 'ended') throw new Error(`call has not ended (state ${this.state}); last heard: ${this.heard.at(-1) ?? '(nothing)'}`);
    });
  }

  /**
   * The caller waits in the queue this long: the wait document plays again, as Twilio
   * loops it, and whatever the engineer's calls do meanwhile happens.
   */
  waits(seconds: number): this {
    return this.step(async () => {
      if (this.state !== 'queued' || !this.queued) throw new Error(`caller waited in a queue but is not in one (state ${this.state})`);
      this.sim.advance(seconds);
      await this.playWaitDocument();
      if ((this.state as CallerState) === 'running') await this.run();
    });
  }

  /** Seconds in the current queue (0 when in none). */
  queueSeconds(): number {
    return this.queued ? Math.round((this.sim.now().getTime() - this.queued.since) / 1000) : 0;
  }

  /** A <Dial><Queue> took this caller (at the head of its queue) to `leg`: they are joined. */
  joinFromQueue(party: string, legSid: string, legStatus: OpenDial['legStatus']): void {
    const queued = this.queued;
    if (!queued) throw new Error('only a queued caller can be dequeued');
    this.sim.dequeue(queued.verb.text, this);
    this.queued = null;
    this.state = 'bridged';
    this.openDial = { verb: queued.verb, party, childSid: legSid, since: this.sim.now().getTime(), legStatus, sip: false };
  }

  /** The dequeuing leg hung up: Twilio asks the <Enqueue action> what the caller does next. */
  async bridgeEnded(): Promise<void> {
    const dial = this.openDial;
    this.openDial = null;
    if (!dial || this.state !== 'bridged') return;
    const action = dial.verb.attrs['action'];
    if (!action) {
      this.resume();
      await this.run();
      return;
    }
    await this.load(action, this.enqueueResult(dial.verb, 'bridged'));
    await this.run();
  }

  /** REST `calls(sid).update` on this caller. */
  async updated(change: { status?: 'canceled' | 'completed'; url?: string }): Promise<void> {
    if (this.state === 'ended') return;
    if (change.status === 'completed') {
      if (this.state === 'queued') await this.leaveQueue('hangup', 'completed');
      await this.finish('line');
      return;
    }
    if (!change.url) return;
    // Redirected out of a queue: whether Twilio then asks the caller's <Enqueue action>
    // (QueueResult "redirected", which Twilio lists) is unverified. By default it does
    // not; with `redirectAsksEnqueueAction` it does, and runs nothing it answers.
    if (this.state === 'queued' && this.queued) {
      const queued = this.queued;
      this.sim.dequeue(queued.verb.text, this);
      this.queued = null;
      const action = queued.verb.attrs['action'];
      if (action && this.sim.redirectAsksEnqueueAction) await this.sim.send(action, { ...this.params('in-progress'), ...this.enqueueResult(queued.verb, 'redirected') });
    }
    if (this.state === 'ringing' || this.state === 'bridged') throw new Error('simulator: REST redirect of a caller in a <Dial> is not modelled');
    await this.load(change.url, {});
    await this.run();
  }

  /** Runs `check` at this point of the script. */
  check(check: (caller: this) => void | Promise<void>): this {
    return this.step(async () => {
      await check(this);
    });
  }

  // --- following the TwiML ---------------------------------------------------

  private params(status: string): Params {
    return this.sim.callParams({ sid: this.callSid, from: this.from, to: this.to, status, direction: 'inbound' });
  }

  private expectWaiting(state: CallerState, doing: string): XmlElement {
    if (this.state !== state || !this.waitingOn) throw new Error(`caller tried to ${doing} but Twilio is not at a <${state === 'gather' ? 'Gather' : 'Record'}> (state ${this.state})`);
    return this.waitingOn;
  }

  private resume(): void {
    this.state = 'running';
    this.waitingOn = null;
  }

  private async load(url: string, extra: Params): Promise<void> {
    this.resume();
    this.documentUrl = url;
    this.pending = await this.sim.fetchTwiml(url, { ...this.params('in-progress'), ...extra });
  }

  private async gatherResult(gather: XmlElement, digits: string, finishedOn: string): Promise<void> {
    if (digits === '' && finishedOn === '' && gather.attrs['actionOnEmptyResult'] !== 'true') {
      this.resume();
      await this.run();
      return;
    }
    await this.load(gather.attrs['action'] ?? this.documentUrl, { Digits: digits, FinishedOnKey: finishedOn });
    await this.run();
  }

  private async run(): Promise<void> {
    while (this.state === 'running') {
      const verb = this.pending.shift();
      if (!verb) {
        await this.finish('document-end');
        return;
      }
      await this.exec(verb);
    }
  }

  private async exec(verb: XmlElement): Promise<void> {
    switch (verb.name) {
      case 'Say':
      case 'Play':
      case 'Pause':
        this.media(verb, this.heard);
        return;
      case 'Gather':
        for (const child of verb.children) this.media(child, this.heard);
        this.state = 'gather';
        this.waitingOn = verb;
        return;
      case 'Record':
        this.state = 'record';
        this.waitingOn = verb;
        return;
      case 'Dial':
        await this.dial(verb);
        return;
      case 'Enqueue':
        await this.enqueue(verb);
        return;
      case 'Leave':
        throw new TwimlError('<Leave> only works in a waitUrl document');
      case 'Redirect':
        await this.load(verb.text, {});
        return;
      case 'Hangup':
      case 'Reject':
        await this.finish('line');
        return;
      default:
        throw new TwimlError(`simulator cannot run <${verb.name}>`);
    }
  }

  private media(verb: XmlElement, heard: string[]): void {
    this.sim.hear(verb, heard, heard === this.heard);
  }

  /** Into the named queue; the waitUrl document plays while the caller waits. */
  private async enqueue(verb: XmlElement): Promise<void> {
    const name = verb.text;
    const waiting = this.sim.queues.get(name) ?? [];
    this.sim.queues.set(name, waiting);
    const max = Number(verb.attrs['maxQueueSize'] ?? 100);
    if (waiting.length >= max) {
      await this.afterQueue(verb, 'queue-full');
      return;
    }
    waiting.push(this);
    this.queued = { verb, since: this.sim.now().getTime() };
    this.state = 'queued';
    await this.playWaitDocument();
  }

  /** One pass of the waitUrl document (Twilio requests it again each time it ends). */
  private async playWaitDocument(): Promise<void> {
    const queued = this.queued;
    const waitUrl = queued?.verb.attrs['waitUrl'];
    if (!queued || !waitUrl) return;
    const params = { ...this.params('in-progress'), ...this.sim.queueParams(queued.verb.text, this) };
    let pending = await this.sim.fetchTwiml(waitUrl, params, WAIT_DOCUMENT_VERBS);
    for (let verb = pending.shift(); verb && this.state === 'queued'; verb = pending.shift()) {
      switch (verb.name) {
        case 'Say':
        case 'Play':
          // Heard while the queue's other calls move: it takes none of their (shared) time.
          this.sim.hear(verb, this.heard, false);
          break;
        case 'Pause':
          break;
        case 'Gather':
          throw new TwimlError('simulator: a <Gather> in a waitUrl document is not modelled');
        case 'Redirect':
          pending = await this.sim.fetchTwiml(verb.text, params, WAIT_DOCUMENT_VERBS);
          break;
        case 'Leave':
          await this.leaveQueue('leave', 'in-progress');
          return;
        case 'Hangup':
          await this.leaveQueue('hangup', 'completed');
          await this.finish('line');
          return;
      }
    }
  }

  /** Out of the queue without a bridge: the <Enqueue action> hears why. */
  private async leaveQueue(result: 'hangup' | 'leave', status: string): Promise<void> {
    const queued = this.queued;
    if (!queued) return;
    this.sim.dequeue(queued.verb.text, this);
    this.queued = null;
    if (result === 'hangup') {
      // The caller is gone: Twilio still posts the action, and runs nothing it answers.
      if (queued.verb.attrs['action']) await this.sim.send(queued.verb.attrs['action'], { ...this.params(status), ...this.enqueueResult(queued.verb, result) });
      return;
    }
    await this.afterQueue(queued.verb, result);
  }

  /** The caller carries on after the queue: the action's document, else the next verb. */
  private async afterQueue(verb: XmlElement, result: string): Promise<void> {
    const action = verb.attrs['action'];
    if (!action) {
      this.resume();
      return;
    }
    await this.load(action, this.enqueueResult(verb, result));
  }

  private enqueueResult(verb: XmlElement, result: string): Params {
    return { QueueResult: result, QueueSid: queueSid(verb.text), QueueTime: String(this.queueSeconds()) };
  }

  private async dial(verb: XmlElement): Promise<void> {
    if (verb.children.length > 1) throw new TwimlError('the simulator rings one party per <Dial>');
    const target: XmlElement = verb.children[0] ?? { name: 'Number', attrs: {}, children: [], text: verb.text };
    const timeout = Number(verb.attrs['timeout'] ?? 30);
    let outcome: DialOutcome | null;
    if (target.name === 'Number') outcome = await this.ringPhone(verb, target, timeout);
    else if (target.name === 'Sip') outcome = await this.ringAsterisk(verb, target, timeout);
    else throw new TwimlError(`the simulator does not dial <${target.name}>`);
    if (!outcome) return; // ringing or joined: the caller's next step decides
    await this.dialAction(verb, outcome, target.name === 'Sip');
  }

  private async dialAction(verb: XmlElement, outcome: DialOutcome, sip: boolean): Promise<void> {
    const action = verb.attrs['action'];
    if (!action) return; // no action: Twilio carries on with the next verb
    await this.load(action, dialParams(outcome, sip));
    await this.run();
  }

  /** Rings a scripted phone; null when the call is left ringing or joined. */
  private async ringPhone(dial: XmlElement, number: XmlElement, timeout: number): Promise<DialOutcome | null> {
    const phone = this.sim.phone(number.text);
    const plan = phone.next();
    const childSid = newSid('CA');
    const child = this.sim.callParams({
      sid: childSid,
      from: dial.attrs['callerId'] ?? this.from,
      to: number.text,
      status: 'in-progress',
      direction: 'outbound-dial',
      parent: this.callSid,
    });
    const events = (number.attrs['statusCallbackEvent'] ?? 'completed').split(/\s+/);
    const callback = number.attrs['statusCallback'];
    const legStatus = async (status: string, extra: Params = {}): Promise<void> => {
      const event = status === 'in-progress' ? 'answered' : ['initiated', 'ringing'].includes(status) ? status : 'completed';
      if (callback && events.includes(event)) await this.sim.statusCallback(callback, child, status, extra);
    };
    const ring: Ring = { callSid: childSid, startedAt: this.sim.now(), outcome: 'no-answer', heard: [], bridged: false };
    phone.rings.push(ring);
    await legStatus('initiated');
    await legStatus('ringing');
    const started = this.sim.now().getTime();

    if (plan.kind === 'ringing') {
      this.state = 'ringing';
      this.openDial = { verb: dial, party: number.text, childSid, since: started, legStatus, sip: false };
      ring.outcome = 'canceled';
      return null;
    }
    if (plan.kind !== 'answer' || plan.afterSeconds >= timeout) {
      const status = plan.kind === 'busy' ? 'busy' : plan.kind === 'failed' ? 'failed' : 'no-answer';
      if (status === 'no-answer') this.sim.advance(timeout);
      ring.outcome = status;
      await legStatus(status);
      return { status, bridged: false, childSid, duration: 0 };
    }

    this.sim.advance(plan.afterSeconds);
    ring.outcome = 'answered';
    const answered = this.sim.now().getTime();
    await legStatus('in-progress');
    const joined = number.attrs['url']
      ? (await this.sim.followLegDocument(number.attrs['url'], child, { left: plan.keys, hangsUp: plan.hangsUp ?? false }, ring.heard, LEG_DOCUMENT_VERBS)).end === 'document'
      : true;
    if (!joined) {
      const duration = Math.round((this.sim.now().getTime() - answered) / 1000);
      await legStatus('completed', { CallDuration: String(duration) });
      return { status: 'completed', bridged: false, childSid, duration };
    }
    ring.bridged = true;
    if (plan.talksFor === null) {
      this.state = 'bridged';
      this.openDial = { verb: dial, party: number.text, childSid, since: this.sim.now().getTime(), legStatus, sip: false };
      return null;
    }
    this.sim.advance(plan.talksFor);
    await legStatus('completed', { CallDuration: String(plan.talksFor) });
    return { status: 'completed', bridged: true, childSid, duration: plan.talksFor };
  }

  private async ringAsterisk(dial: XmlElement, sip: XmlElement, timeout: number): Promise<DialOutcome | null> {
    const plan = this.sim.asterisk.take(sip.text);
    const childSid = newSid('CA');
    if (plan.kind === 'answer') {
      this.state = 'bridged';
      this.openDial = { verb: dial, party: sip.text, childSid, since: this.sim.now().getTime(), legStatus: async () => undefined, sip: true };
      return null;
    }
    if (plan.status === 'no-answer') this.sim.advance(timeout);
    return { status: plan.status, bridged: false, childSid, duration: 0, sipCode: plan.code };
  }

  private async recordingStatus(record: XmlElement, sid: string, seconds: number): Promise<void> {
    const url = record.attrs['recordingStatusCallback'];
    const events = (record.attrs['recordingStatusCallbackEvent'] ?? 'completed').split(/\s+/);
    if (!url || !events.includes('completed')) return;
    await this.recordingCallback(url, {
      RecordingSid: sid,
      RecordingUrl: this.sim.recordingUrl(sid),
      RecordingStatus: 'completed',
      RecordingDuration: String(seconds),
      RecordingChannels: '1',
      RecordingStartTime: this.sim.now().toUTCString().replace('GMT', '+0000'),
      RecordingSource: 'RecordVerb',
    });
  }

  private async recordingAbsent(record: XmlElement): Promise<void> {
    const url = record.attrs['recordingStatusCallback'];
    const events = (record.attrs['recordingStatusCallbackEvent'] ?? 'completed').split(/\s+/);
    if (!url || !events.includes('absent')) return;
    const sid = newSid('RE');
    await this.recordingCallback(url, {
      RecordingSid: sid,
      RecordingUrl: this.sim.recordingUrl(sid),
      RecordingStatus: 'absent',
      RecordingDuration: '0',
      RecordingChannels: '1',
      RecordingStartTime: this.sim.now().toUTCString().replace('GMT', '+0000'),
      RecordingSource: 'RecordVerb',
      ErrorCode: '0',
    });
  }

  private async recordingCallback(url: string, params: Params): Promise<void> {
    const sent = await this.sim.send(url, { AccountSid: this.sim.accountSid, CallSid: this.callSid, ...params });
    if (sent.status < 200 || sent.status >= 300) throw new TwilioCallError(`recording status callback answered ${sent.status}`, sent);
  }

  private async finish(by: 'line' | 'caller' | 'document-end'): Promise<void> {
    this.state = 'ended';
    this.endedBy = by;
    this.waitingOn = null;
    this.pending = [];
    const path = this.sim.options.statusCallbackPath === undefined ? '/twilio/status' : this.sim.options.statusCallbackPath;
    if (path === null) return;
    const duration = Math.round((this.sim.now().getTime() - this.answeredAt) / 1000);
    await this.sim.statusCallback(this.sim.options.publicBaseUrl.replace(/\/+$/, '') + path, this.params('completed'), 'completed', {
      CallDuration: String(duration),
    });
  }
}

function dialParams(outcome: DialOutcome, sip: boolean): Params {
  const params: Params = {
    DialCallStatus: outcome.status,
    DialCallSid: outcome.childSid,
    DialCallDuration: String(outcome.duration),
    DialBridged: String(outcome.bridged),
  };
  if (sip) {
    params['DialSipCallId'] = randomBytes(8).toString('hex') + '@twilio';
    params['DialSipResponseCode'] = String(outcome.sipCode ?? 200);
  }
  return params;
}

/** The keys a Gather takes from what was pressed: its digits, the finish key, how many keys it used. */
function gatherKeys(gather: XmlElement, keys: string): { digits: string; finishedOn: string; used: number } {
  const numDigits = gather.attrs['numDigits'] ? Number(gather.attrs['numDigits']) : Infinity;
  const finish = gather.attrs['finishOnKey'] ?? '#';
  let digits = '';
  let finishedOn = '';
  let used = 0;
  for (const key of keys) {
    used += 1;
    if (finish !== '' && finish.includes(key)) {
      finishedOn = key;
      break;
    }
    digits += key;
    if (digits.length >= numDigits) break;
  }
  return { digits, finishedOn, used };
}

/** A queue's sid, stable per name (Twilio creates the queue on first <Enqueue>). */
function queueSid(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 'QU' + h.toString(16).padStart(8, '0').repeat(4);
}

// ---------------------------------------------------------------------------
// Calls the app creates through the REST API

/**
 * A REST-created call to a scripted phone: it rings, and when answered runs its `url`
 * document (Direction outbound-api); a <Dial><Queue> in it joins the caller at the head
 * of that queue. Its progress goes to its statusCallback, final statuses under "completed".
 */
export class OutboundLeg {
  readonly ring: Ring;
  state: 'queued' | 'ringing' | 'answered' | 'ended' = 'queued';
  /** A REST update ended it: whatever it was doing stops there. */
  stopping = false;
  private readonly events: string[];
  private answeredAt = 0;
  private joined: Caller | null = null;

  constructor(
    private readonly sim: TwilioSimulator,
    readonly call: OriginatedCall,
    private readonly plan: Plan,
  ) {
    this.ring = { callSid: call.sid, startedAt: sim.now(), outcome: 'no-answer', heard: [], bridged: false };
    this.events = call.statusCallbackEvent.length > 0 ? call.statusCallbackEvent : ['completed'];
  }

  params(status: string): Params {
    return this.sim.callParams({ sid: this.call.sid, from: this.call.from, to: this.call.to, status, direction: 'outbound-api' });
  }

  async status(status: string, extra: Params = {}): Promise<void> {
    const event = status === 'in-progress' ? 'answered' : ['initiated', 'ringing'].includes(status) ? status : 'completed';
    if (this.call.statusCallback && this.events.includes(event)) await this.sim.statusCallback(this.call.statusCallback, this.params(status), status, extra);
  }

  async run(): Promise<void> {
    if (this.state !== 'queued' || this.stopping) return;
    this.state = 'ringing';
    await this.status('initiated');
    await this.status('ringing');
    const plan = this.plan;
    const timeout = this.call.timeout ?? 60;
    if (plan.kind === 'ringing' || this.stopping) return; // rings until canceled
    if (plan.kind !== 'answer' || plan.afterSeconds >= timeout) {
      const status = plan.kind === 'busy' ? 'busy' : plan.kind === 'failed' ? 'failed' : 'no-answer';
      if (status === 'no-answer') this.sim.advance(timeout);
      await this.end(status);
      return;
    }
    this.sim.advance(plan.afterSeconds);
    this.state = 'answered';
    this.ring.outcome = 'answered';
    this.answeredAt = this.sim.now().getTime();
    await this.status('in-progress');
    const done = await this.sim.followLegDocument(this.call.url, this.params('in-progress'), { left: plan.keys, hangsUp: plan.hangsUp ?? false }, this.ring.heard, OUTBOUND_DOCUMENT_VERBS);
    if (done.end === 'dial') {
      const target = done.verb.children[0];
      if (target?.name !== 'Queue') throw new TwimlError('simulator: a REST call\'s document may only <Dial><Queue>');
      const caller = this.sim.queues.get(target.text)?.[0];
      if (caller) {
        caller.joinFromQueue(this.call.to, this.call.sid, (status, extra) => this.status(status, extra));
        this.joined = caller;
        this.ring.bridged = true;
        if (plan.talksFor === null) return; // joined until someone hangs up
        this.sim.advance(plan.talksFor);
        this.state = 'ended';
        await this.status('completed', { CallDuration: String(this.duration()) });
        await caller.bridgeEnded();
        return;
      }
    }
    await this.end('completed');
  }

  /** Ends the call: a final status, unless it already ended (or was answered and is only canceled). */
  async end(status: 'completed' | 'canceled' | 'no-answer' | 'busy' | 'failed'): Promise<void> {
    if (this.state === 'ended') return;
    if (status === 'canceled' && this.state === 'answered') return; // Twilio cancels only calls not yet answered
    const wasAnswered = this.state === 'answered';
    this.state = 'ended';
    if (!wasAnswered) this.ring.outcome = status === 'completed' ? 'canceled' : status;
    if (this.joined) return; // the caller's hang-up reported the joined call
    await this.status(status, wasAnswered ? { CallDuration: String(this.duration()) } : {});
  }

  private duration(): number {
    return Math.round((this.sim.now().getTime() - this.answeredAt) / 1000);
  }
}
