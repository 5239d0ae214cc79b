// The simulated Twilio refuses what real Twilio refuses, so a scenario cannot pass
// on TwiML that would fail on a real call.
import { describe, expect, it } from 'vitest';
import { parseTwiml } from '../support/fake-twilio/twiml.ts';

const doc = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;

describe('the simulated Twilio reads TwiML strictly', () => {
  it('reads a well-formed document with entities', () => {
    const root = parseTwiml(doc('<Say voice="Polly.Amy" language="en-GB">Smith &amp; Sons &lt;3</Say><Hangup/>'));
    expect(root.children.map((c) => [c.name, c.text])).toEqual([
      ['Say', 'Smith & Sons <3'],
      ['Hangup', ''],
    ]);
  });

  it.each([
    ['an unknown verb', '<Speak>hello</Speak>', /unknown element <Speak>/],
    ['an unknown attribute', '<Say colour="red">hi</Say>', /no attribute colour/],
    ['a bad number', '<Gather numDigits="0"><Say>x</Say></Gather>', /numDigits="0"/],
    ['a finish key that is not a key', '<Gather finishOnKey="A"><Say>x</Say></Gather>', /finishOnKey/],
    ['a verb Gather cannot hold', '<Gather><Dial>+441632960000</Dial></Gather>', /<Dial> is not allowed in <Gather>/],
    ['a number that is not E.164', '<Dial><Number>01632 960000</Number></Dial>', /not valid content/],
    ['an empty Say', '<Say></Say>', /needs content/],
    ['a Dial with nothing to dial', '<Dial timeout="20"></Dial>', /nothing to dial/],
    ['a ring timeout below five seconds', '<Dial timeout="2">+441632960000</Dial>', /timeout="2"/],
    ['unknown status callback events', '<Dial><Number statusCallbackEvent="picked-up">+441632960000</Number></Dial>', /statusCallbackEvent/],
  ])('rejects %s', (_what, body, message) => {
    expect(() => parseTwiml(doc(body))).toThrow(message);
  });

  it('rejects whitespace before the XML declaration (Twilio error 12100)', () => {
    expect(() => parseTwiml(`\n${doc('<Hangup/>')}`)).toThrow(/12100/);
  });

  it('rejects a document served as HTML (Twilio error 12300)', () => {
    expect(() => parseTwiml(doc('<Hangup/>'), 'text/html; charset=utf-8')).toThrow(/12300/);
  });

  it('rejects malformed XML', () => {
    expect(() => parseTwiml(doc('<Say>a & b</Say>'))).toThrow(/parse failure/);
    expect(() => parseTwiml(doc('<Say>unclosed'))).toThrow(/parse failure/);
    expect(() => parseTwiml('<?xml version="1.0"?><Reply/>')).toThrow(/root element <Reply>/);
  });
});
