import { describe, expect, it } from 'vitest';
import { createTwilioRest } from '../../src/carriers/twilio/rest.ts';
import { PROMPTS, digits, prompt, utteranceText } from '../../src/domain/prompts.ts';
import { TwilioRestDouble } from '../support/fake-twilio/rest-double.ts';
import { captureLogger } from '../support/fake-twilio/log.ts';
import { parseTwiml } from '../support/fake-twilio/twiml.ts';

const SID = 'AC' + '1'.repeat(32);
const TOKEN = 'rest-token';

function client(api = new TwilioRestDouble(SID, TOKEN)) {
  const rest = createTwilioRest({
    accountSid: SID,
    authToken: TOKEN,
    from: '+441632960000',
    publicBaseUrl: 'https://line.example.co.uk',
    voice: { voice: 'Polly.Amy', prompts: 'say', promptsExtension: 'wav' },
    logger: captureLogger().logger,
    httpClient: api,
  });
  return { api, rest };
}

describe('outbound calls and SMS through the Twilio REST API', () => {
  it('calls the on-call engineer about a voicemail with TwiML that says who and plays the message', async () => {
    const { api, rest } = client();
    const message = [prompt('whisper-critical'), { type: 'text' as const, value: 'ACME Ltd', fallback: [] }, prompt('ticket'), digits('4127')];
    const placed = await rest.callEngineerAboutVoicemail({
      to: '+447700900123',
      callId: 'call-9',
      engineerId: 'eng-1',
      message,
      recordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
    });
    expect(placed.sid).toMatch(/^CA[0-9a-f]{32}$/);
    const [call] = api.calls;
    expect(call).toMatchObject({ to: '+447700900123', from: '+441632960000', timeout: 30 });
    expect(call?.statusCallback).toBe('https://line.example.co.uk/twilio/status?call=call-9&step=0&leg=engineer&engineer=eng-1');
    expect(call?.statusCallbackEvent).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    const doc = parseTwiml(call?.twiml ?? '');
    expect(doc.children.map((v) => v.name)).toEqual(['Say', 'Play', 'Say', 'Hangup']);
    expect(doc.children[0]?.text).toBe(utteranceText(message));
    expect(doc.children[0]?.text).toContain(PROMPTS['whisper-critical']);
  });

  it('sends an SMS from the line number', async () => {
    const { api, rest } = client();
    const sent = await rest.sendSms('+447700900123', 'Ticket 4127 breaches its response target at 11:00.');
    expect(sent.status).toBe('queued');
    expect(api.messages).toEqual([expect.objectContaining({ to: '+447700900123', from: '+441632960000' })]);
  });

  it("surfaces Twilio's refusal as a RestException with its code", async () => {
    const { rest } = client();
    await expect(rest.sendSms('07700 900123', 'hello')).rejects.toMatchObject({ status: 400, code: 21211 });
  });

  it('does not retry on its own when Twilio is busy (the caller of sendSms decides)', async () => {
    const { api, rest } = client();
    api.failNext(429, 20429, 'Too Many Requests');
    await expect(rest.sendSms('+447700900123', 'hello')).rejects.toMatchObject({ status: 429, code: 20429 });
    expect(api.requests).toHaveLength(1);
  });

  it('refuses an SMS body over the 1,600 character limit before calling Twilio', async () => {
    const { api, rest } = client();
    await expect(rest.sendSms('+447700900123', 'x'.repeat(1601))).rejects.toThrow(/1600/);
    expect(api.requests).toHaveLength(0);
  });

  it('authenticates as the account in the path', async () => {
    const { api } = client();
    const { rest } = client(new TwilioRestDouble(SID, 'another-token'));
    await expect(rest.sendSms('+447700900123', 'hello')).rejects.toMatchObject({ status: 401 });
    expect(api.requests).toHaveLength(0);
  });
});
