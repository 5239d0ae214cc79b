// TwiML as Twilio reads it: the verbs, nouns and attributes it knows, with their
// value rules. A document this rejects is one real Twilio would refuse or misread.
import { parseXml, type XmlElement } from './xml.ts';

export class TwimlError extends Error {
  constructor(message: string) {
    super(`TwiML rejected: ${message}`);
    this.name = 'TwimlError';
  }
}

type Check = (value: string) => boolean;

const int = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
const bool: Check = (v) => v === 'true' || v === 'false';
const method: Check = (v) => /^(GET|POST)$/i.test(v);
const httpUrl: Check = (v) => /^https?:\/\/[^\s]+$/.test(v) || v.startsWith('/');
const keys = (allowed: string, single = false): Check => (v) =>
  (single ? v.length <= 1 : true) && [...v].every((c) => allowed.includes(c));
const words = (allowed: string[]): Check => (v) => v.trim() !== '' && v.trim().split(/\s+/).every((w) => allowed.includes(w));
const any: Check = () => true;
const e164: Check = (v) => /^\+[1-9][0-9]{6,14}$/.test(v);
// Queue names are the caller's choice up to 64 characters (unverified: Twilio's exact character set).
const queueName: Check = (v) => /^[A-Za-z0-9_.:-]{1,64}$/.test(v);
const CALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];
const RECORDING_EVENTS = ['in-progress', 'completed', 'absent'];

interface Spec {
  attrs: Record<string, Check>;
  /** Element children allowed; absent → none. */
  children?: string[];
  /** What the text body must be, if any is allowed. */
  text?: Check;
  textRequired?: boolean;
}

const SAY_ATTRS = {
  voice: (v: string) => /^(man|woman|alice|Polly\.[A-Za-z]+(-Neural|-Generative)?|Google\.[A-Za-z]{2,3}-[A-Z]{2}-[A-Za-z0-9]+-[A-Z0-9a-z-]+)$/.test(v),
  language: (v: string) => /^[a-z]{2,3}-[A-Z]{2}(-[A-Z]{3})?$/.test(v),
  loop: int(0, 1000),
};
const PLAY_ATTRS = { loop: int(0, 1000), digits: keys('0123456789*#wW') };
const PAUSE_ATTRS = { length: int(0, 600) };
const LEG_CALLBACKS = {
  url: httpUrl,
  method,
  statusCallback: httpUrl,
  statusCallbackEvent: words(CALL_EVENTS),
  statusCallbackMethod: method,
};

export const SPECS: Record<string, Spec> = {
  Response: { attrs: {}, children: ['Say', 'Play', 'Pause', 'Gather', 'Dial', 'Record', 'Redirect', 'Hangup', 'Reject', 'Enqueue', 'Leave'] },
  Say: { attrs: SAY_ATTRS, text: any, textRequired: true },
  Play: { attrs: PLAY_ATTRS, text: httpUrl },
  Pause: { attrs: PAUSE_ATTRS },
  Gather: {
    attrs: {
      action: httpUrl,
      method,
      timeout: int(1, 600),
      finishOnKey: keys('0123456789*#', true),
      numDigits: int(1, 100),
      input: words(['dtmf', 'speech']),
      actionOnEmptyResult: bool,
      speechTimeout: (v) => v === 'auto' || int(0)(v),
      language: SAY_ATTRS.language,
      hints: any,
      bargeIn: bool,
      profanityFilter: bool,
      speechModel: any,
      partialResultCallback: httpUrl,
      partialResultCallbackMethod: method,
      enhanced: bool,
      maxSpeechTime: int(1, 60),
      debug: bool,
    },
    children: ['Say', 'Play', 'Pause'],
  },
  Dial: {
    attrs: {
      action: httpUrl,
      method,
      timeout: int(5, 600),
      callerId: (v) => e164(v) || v.startsWith('client:'),
      record: words(['do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual']),
      answerOnBridge: bool,
      hangupOnStar: bool,
      timeLimit: int(1, 86400),
      ringTone: (v) => /^[a-z]{2}(-[a-z]+)?$/.test(v),
      trim: words(['trim-silence', 'do-not-trim']),
      recordingStatusCallback: httpUrl,
      recordingStatusCallbackMethod: method,
      recordingStatusCallbackEvent: words(RECORDING_EVENTS),
      recordingTrack: words(['both', 'inbound', 'outbound']),
      sequential: bool,
    },
    children: ['Number', 'Sip', 'Client', 'Conference', 'Queue'],
    text: e164,
  },
  Number: { attrs: { ...LEG_CALLBACKS, sendDigits: keys('0123456789*#wW'), machineDetection: words(['Enable', 'DetectMessageEnd']), byoc: any }, text: e164, textRequired: true },
  Sip: { attrs: { ...LEG_CALLBACKS, username: any, password: any }, text: (v) => /^sips?:[^\s]+$/.test(v), textRequired: true },
  Record: {
    attrs: {
      action: httpUrl,
      method,
      timeout: int(0, 600),
      finishOnKey: keys('0123456789*#'),
      maxLength: int(1, 14400),
      playBeep: bool,
      trim: words(['trim-silence', 'do-not-trim']),
      recordingStatusCallback: httpUrl,
      recordingStatusCallbackMethod: method,
      recordingStatusCallbackEvent: words(RECORDING_EVENTS),
      transcribe: bool,
      transcribeCallback: httpUrl,
    },
  },
  Redirect: { attrs: { method }, text: httpUrl, textRequired: true },
  Enqueue: {
    attrs: { waitUrl: httpUrl, waitUrlMethod: method, action: httpUrl, method, maxQueueSize: int(1, 5000), workflowSid: any },
    text: queueName,
    textRequired: true,
  },
  Queue: { attrs: { url: httpUrl, method, reservationSid: any, postWorkActivitySid: any }, text: queueName, textRequired: true },
  Leave: { attrs: {} },
  Hangup: { attrs: {} },
  Reject: { attrs: { reason: words(['rejected', 'busy']) } },
};

/** Verbs a `<Number url>` / `<Sip url>` whisper document may use (no Dial, no Record). */
export const LEG_DOCUMENT_VERBS = ['Say', 'Play', 'Pause', 'Gather', 'Hangup', 'Redirect'];

/** Verbs an `<Enqueue waitUrl>` document may use: hold content, and <Leave> to step out of the queue. */
export const WAIT_DOCUMENT_VERBS = ['Say', 'Play', 'Pause', 'Gather', 'Hangup', 'Redirect', 'Leave'];

/** Verbs a REST-created call's `url` document may use: a leg document plus a <Dial> (e.g. <Dial><Queue>). */
export const OUTBOUND_DOCUMENT_VERBS = [...LEG_DOCUMENT_VERBS, 'Dial'];

function check(el: XmlElement, parent: string | null): void {
  const spec = SPECS[el.name];
  if (!spec) throw new TwimlError(`unknown element <${el.name}>${parent ? ` in <${parent}>` : ''}`);
  for (const [name, value] of Object.entries(el.attrs)) {
    const rule = spec.attrs[name];
    if (!rule) throw new TwimlError(`<${el.name}> has no attribute ${name}`);
    if (!rule(value)) throw new TwimlError(`<${el.name} ${name}="${value}"> is not a valid value`);
  }
  for (const child of el.children) {
    if (!SPECS[child.name]) throw new TwimlError(`unknown element <${child.name}> in <${el.name}>`);
    if (!spec.children?.includes(child.name)) throw new TwimlError(`<${child.name}> is not allowed in <${el.name}>`);
    check(child, el.name);
  }
  if (el.text !== '') {
    if (!spec.text) throw new TwimlError(`<${el.name}> takes no text (got "${el.text.slice(0, 40)}")`);
    if (!spec.text(el.text)) throw new TwimlError(`<${el.name}>${el.text}</${el.name}> is not valid content`);
    if (el.children.length > 0) throw new TwimlError(`<${el.name}> mixes text and elements`);
  } else if (spec.textRequired) {
    throw new TwimlError(`<${el.name}> needs content`);
  }
  if (el.name === 'Dial' && el.text === '' && el.children.length === 0) throw new TwimlError('<Dial> with nothing to dial');
}

/** Reads a webhook answer as Twilio would: XML content type, a clean start, a valid <Response>. */
export function parseTwiml(body: string, contentType = 'text/xml'): XmlElement {
  if (!/^(text|application)\/xml\b/.test(contentType)) throw new TwimlError(`content type ${contentType} (Twilio error 12300)`);
  if (!body.startsWith('<?xml') && !body.startsWith('<Response')) {
    throw new TwimlError('the document must start with <?xml or <Response> (Twilio error 12100)');
  }
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch (err) {
    throw new TwimlError(`document parse failure: ${(err as Error).message} (Twilio error 12100)`);
  }
  if (root.name !== 'Response') throw new TwimlError(`root element <${root.name}>, not <Response>`);
  check(root, null);
  return root;
}
