import { describe, expect, it } from 'vitest';
import { createLinks, decodeUtterance } from '../../src/carriers/twilio/links.ts';
import { renderCallerStep, renderScreen, renderSafeRoute, renderSipHandOff, type CallerContext } from '../../src/carriers/twilio/twiml.ts';
import { deskCommand, gather } from '../../src/domain/flow/rules.ts';
import type { MediaCommand } from '../../src/domain/flow/types.ts';
import { PROMPTS, digits, prompt } from '../../src/domain/prompts.ts';

const BASE = 'https://line.example.co.uk';
const links = createLinks(BASE);
const ctx = (over: Partial<CallerContext['settings']> = {}): CallerContext => ({
  callId: 'call-1',
  step: 3,
  callerId: '+441632960000',
  links,
  settings: {
    deskNumber: '+441632960999',
    billingNumber: null,
    voice: 'Polly.Amy',
    prompts: 'say',
    promptsExtension: 'wav',
    ...over,
  },
});
const render = (commands: MediaCommand[], ended = false, c = ctx()) => renderCallerStep({ callId: 'call-1', commands, ended }, c);

describe('TwiML for the flow', () => {
  it('asks for a PIN with a Gather whose action carries the next step and marks the entry secret', () => {
    const out = render([gather('pin', [prompt('enter-pin')])]);
    expect(out.twiml).toContain(
      `<Gather input="dtmf" numDigits="8" timeout="8" finishOnKey="#" action="${BASE}/twilio/step?call=call-1&amp;step=3&amp;on=gather&amp;purpose=pin&amp;secret=1" actionOnEmptyResult="true">`,
    );
    expect(out.twiml).toContain(`<Say voice="Polly.Amy" language="en-GB">${PROMPTS['enter-pin']}</Say></Gather></Response>`);
    expect(out.rendered).toEqual(['gather:pin']);
  });

  it('lets a one-key question treat # as a key, not as a finish', () => {
    expect(render([gather('menu', [prompt('main-menu')])]).twiml).toContain('numDigits="1" timeout="8" finishOnKey=""');
  });

  it('plays the catalogue recordings and speaks the rest when prompts are played', () => {
    const out = render([{ kind: 'play', utterance: [prompt('ticket-reference'), digits('4127')] }, { kind: 'hangup' }], true, ctx({ prompts: 'play' }));
    expect(out.twiml).toContain(`<Play>${BASE}/twilio/prompts/ticket-reference.wav</Play><Say voice="Polly.Amy" language="en-GB">4 1 2 7</Say><Hangup/>`);
  });

  it('connects the desk with a Dial timed by the flow’s command, whose leg reports its answer', () => {
    const out = render([{ kind: 'play', utterance: [prompt('connecting-desk')] }, deskCommand('support', 45)]);
    expect(out.twiml).toContain(`<Dial action="${BASE}/twilio/step?call=call-1&amp;step=3&amp;on=desk&amp;queue=support" timeout="45" ringTone="uk">`);
    expect(out.twiml).toContain(`<Number url="${BASE}/twilio/desk-answer?call=call-1&amp;step=3"`);
    expect(out.twiml).toContain('>+441632960999</Number></Dial></Response>');
  });

  it('rings the accounts team for billing, the command’s fallback (the desk) without a billing number, and reports failure with neither', () => {
    const billing = render([deskCommand('billing', 60)], false, ctx({ billingNumber: '+441632960998' }));
    expect(billing.twiml).toContain('on=desk&amp;queue=billing');
    expect(billing.twiml).toContain('>+441632960998</Number>');
    const fallback = render([deskCommand('billing', 60)]);
    expect(fallback.twiml).toContain('>+441632960999</Number>');
    expect(fallback.rendered).toEqual(['desk:support']);
    // A support call has no fallback: the billing number is never rung for it.
    expect(render([deskCommand('support', 60)], false, ctx({ deskNumber: null, billingNumber: '+441632960998' })).rendered).toEqual(['desk:support:unconfigured']);
    const none = render([deskCommand('billing', 60)], false, ctx({ deskNumber: null }));
    expect(none.twiml).toContain(`<Redirect method="POST">${BASE}/twilio/step?call=call-1&amp;step=3&amp;on=no-desk&amp;queue=billing</Redirect>`);
  });

  it('dials an engineer after the hold message, with the whisper and the accept key in the screening URL', () => {
    const whisper = [prompt('whisper-critical'), { type: 'text' as const, value: 'Smith & Sons', fallback: [digits('10042')] }, prompt('whisper-accept')];
    const out = render([
      {
        kind: 'dialEngineer',
        engineer: { engineerId: 'eng-1', name: 'Sam', phone: '+447700900123', dialTarget: '', level: 'primary' },
        ringSeconds: 25,
        whisper,
        whisperTimeoutSeconds: 10,
        acceptKey: '1',
        announce: [],
        hold: [prompt('hold')],
      },
    ]);
    expect(out.twiml).toContain(`<Say voice="Polly.Amy" language="en-GB">${PROMPTS.hold}</Say><Dial action="${BASE}/twilio/step?call=call-1&amp;step=3&amp;on=engineer&amp;engineer=eng-1" timeout="25" ringTone="uk" callerId="+441632960000">`);
    const screenUrl = /<Number url="([^"]+)"/.exec(out.twiml)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const w = new URL(screenUrl).searchParams.get('w') ?? '';
    expect(decodeUtterance(w)).toEqual(whisper);
    expect(new URL(screenUrl).searchParams.get('k')).toBe('1');
  });

  it('renders no verb for a bridge', () => {
    const out = render([{ kind: 'bridgeEngineer', engineerId: 'eng-1' }]);
    expect(out.rendered).toEqual(['bridge:eng-1']);
    expect(out.idle).toBe(true);
  });

  it('records a message, and follows an empty recording with a redirect', () => {
    const out = render([{ kind: 'record', name: 'support-line/call-1', maxSeconds: 180, maxSilenceSeconds: 5 }]);
    expect(out.twiml).toContain(`<Record action="${BASE}/twilio/step?call=call-1&amp;step=3&amp;on=record" maxLength="180" timeout="5" playBeep="true" finishOnKey="#"`);
    expect(out.twiml).toContain(`<Redirect method="POST">${BASE}/twilio/step?call=call-1&amp;step=3&amp;on=record-empty</Redirect></Response>`);
  });

  it('hangs up at the end of a call that ended without a hangup command', () => {
    expect(render([{ kind: 'play', utterance: [prompt('goodbye')] }], true).twiml).toMatch(/<\/Say><Hangup\/><\/Response>$/);
  });

  it('reports commands after the hand-over as dropped, and an empty step as idle', () => {
    const out = render([gather('menu', [prompt('main-menu')]), { kind: 'hangup' }]);
    expect(out.dropped).toEqual(['hangup']);
    expect(render([]).idle).toBe(true);
  });

  it('escapes text for XML', () => {
    const out = render([{ kind: 'play', utterance: [{ type: 'text', value: 'A <b> & "c"', fallback: [] }] }]);
    expect(out.twiml).toContain('A &lt;b&gt; &amp; "c"');
  });

  it('screens the engineer with one key and hangs up their leg without one', () => {
    const twiml = renderScreen([prompt('whisper-accept')], 10, `${BASE}/twilio/screen-result?x=1`, ctx().settings, links);
    expect(twiml).toContain('<Gather input="dtmf" numDigits="1" timeout="10" finishOnKey=""');
    expect(twiml).toMatch(/<\/Gather><Hangup\/><\/Response>$/);
  });

  it('hands a call to Asterisk over SIP with the result URL as the fallback point', () => {
    expect(renderSipHandOff('sip:ivr@pbx.example.co.uk;transport=tls', `${BASE}/twilio/sip-result`, 10)).toContain(
      `<Dial action="${BASE}/twilio/sip-result" timeout="10" answerOnBridge="true"><Sip>sip:ivr@pbx.example.co.uk;transport=tls</Sip></Dial>`,
    );
  });

  it('sends the caller to the desk on the safe route, or straight to a message without one', () => {
    const voice = ctx().settings;
    expect(renderSafeRoute({ deskNumber: '+441632960999', voice, links })).toContain('<Number>+441632960999</Number>');
    const noDesk = renderSafeRoute({ deskNumber: null, voice, links });
    expect(noDesk).toContain(PROMPTS['leave-message']);
    expect(noDesk).toContain(`<Record action="${BASE}/twilio/safe?stage=recorded"`);
  });
});
