// A simulated Twilio: it places calls into the app exactly as Twilio's webhooks do
// (the real parameter sets, signed with the twilio package against the public URL),
// reads every answer strictly as TwiML, and follows it: Gather posts the keys the
// caller pressed, Dial rings the scripted phones (screening URL, then the Dial
// action), Record posts a recording, the call's end posts the status callback.
// Time is simulated: ring timeouts and recordings move `now` and call `onAdvance`.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { PROMPTS, isPromptId, type PromptId } from '../../../src/domain/prompts.ts';
import { LEG_DOCUMENT_VERBS, TwimlError, parseTwiml } from './twiml.ts';
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
    return new Caller(this, opts.from, opts.to ?? this.lineNumber, opts.voicePath ?? this.options.voicePath ?? '/twilio/voice', opts.extra ?? {});
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
}

export interface Ring {
  callSid: string;
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

type CallerState = 'running' | 'gather' | 'record' | 'ringing' | 'bridged' | 'ended';

interface DialOutcome {
  status: 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled';
  bridged: boolean;
  childSid: string;
  duration: number;
  sipCode?: number;
}

interface OpenDial {
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
    this.chain = this.chain.then(work);
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
          if (dial.verb.attrs['action']) {
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
    const loops = Math.max(1, Number(verb.attrs['loop'] ?? 1));
    for (let i = 0; i < loops; i += 1) {
      if (verb.name === 'Say') heard.push(verb.text);
      if (verb.name === 'Play') heard.push(this.sim.playText(verb.text));
    }
    if (verb.name === 'Pause') this.sim.advance(Number(verb.attrs['length'] ?? 1));
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
    const ring: Ring = { callSid: childSid, outcome: 'no-answer', heard: [], bridged: false };
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
    const joined = number.attrs['url'] ? await this.runLegDocument(number.attrs['url'], child, plan, ring) : true;
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

  /** The answered leg's own document (whisper, screening). True when it ends with the legs joined. */
  private async runLegDocument(url: string, child: Params, plan: Plan, ring: Ring): Promise<boolean> {
    let pending = await this.sim.fetchTwiml(url, child, LEG_DOCUMENT_VERBS);
    let keys = plan.keys;
    for (;;) {
      const verb = pending.shift();
      if (!verb) return true;
      switch (verb.name) {
        case 'Say':
        case 'Play':
        case 'Pause':
          this.media(verb, ring.heard);
          break;
        case 'Gather': {
          for (const m of verb.children) this.media(m, ring.heard);
          const action = verb.attrs['action'] ?? url;
          if (keys) {
            const numDigits = verb.attrs['numDigits'] ? Number(verb.attrs['numDigits']) : Infinity;
            const finish = verb.attrs['finishOnKey'] ?? '#';
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
            keys = keys.slice(used);
            pending = await this.sim.fetchTwiml(action, { ...child, Digits: digits, FinishedOnKey: finishedOn }, LEG_DOCUMENT_VERBS);
          } else {
            this.sim.advance(Number(verb.attrs['timeout'] ?? 5));
            if (verb.attrs['actionOnEmptyResult'] === 'true') {
              pending = await this.sim.fetchTwiml(action, { ...child, Digits: '', FinishedOnKey: '' }, LEG_DOCUMENT_VERBS);
            }
          }
          break;
        }
        case 'Redirect':
          pending = await this.sim.fetchTwiml(verb.text, child, LEG_DOCUMENT_VERBS);
          break;
        case 'Hangup':
          return false;
        default:
          throw new TwimlError(`<${verb.name}> is not allowed in a <Number url> document`);
      }
    }
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
