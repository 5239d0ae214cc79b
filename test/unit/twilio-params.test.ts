// How Twilio's words about a dial or a key become the flow's.
import { describe, expect, it } from 'vitest';
import { callerGone, deskOutcome, engineerOutcome, screenQuery, sipLegFailed, webhookParams, type WebhookParams } from '../../src/carriers/twilio/params.ts';

const base: WebhookParams = webhookParams.parse({ CallSid: 'CA' + '0'.repeat(32), CallStatus: 'in-progress' });
const p = (extra: Partial<WebhookParams>): WebhookParams => ({ ...base, ...extra });

describe('Twilio dial results in the flow’s words', () => {
  it.each([
    ['no-answer', 'no_answer'],
    ['busy', 'busy'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    // Answered but the screen hung their leg up without a 1: a voicemail box or silence.
    ['completed', 'no_key'],
  ] as const)('an engineer Dial ending %s is %s', (status, outcome) => {
    expect(engineerOutcome(p({ DialCallStatus: status, DialBridged: 'false' }))).toBe(outcome);
  });

  it('judges the desk answered by DialBridged, not by DialCallStatus', () => {
    expect(deskOutcome(p({ DialCallStatus: 'completed', DialBridged: 'true' }))).toBe('answered');
    expect(deskOutcome(p({ DialCallStatus: 'completed', DialBridged: 'false' }))).toBe('no_answer');
    expect(deskOutcome(p({ DialCallStatus: 'failed' }))).toBe('failed');
  });

  it('takes the accept key from the signed screening URL: one key, or none on an older URL', () => {
    const q = { call: 'call-1', step: '4', engineer: 'e1' };
    expect(screenQuery.parse({ ...q, k: '1' }).k).toBe('1');
    expect(screenQuery.parse(q).k).toBeUndefined();
    expect(screenQuery.safeParse({ ...q, k: '12' }).success).toBe(false);
    expect(screenQuery.safeParse({ ...q, k: 'a' }).success).toBe(false);
  });

  it('runs the IVR here when the SIP leg to Asterisk failed, not when Asterisk took the call', () => {
    expect(sipLegFailed(p({ DialCallStatus: 'failed', DialSipResponseCode: '503' }))).toBe(true);
    expect(sipLegFailed(p({ DialCallStatus: 'busy', DialSipResponseCode: '486' }))).toBe(true);
    expect(sipLegFailed(p({ DialCallStatus: 'no-answer' }))).toBe(true);
    expect(sipLegFailed(p({ DialCallStatus: 'completed', DialSipResponseCode: '404', DialBridged: 'false' }))).toBe(true);
    expect(sipLegFailed(p({ DialCallStatus: 'completed', DialSipResponseCode: '200', DialBridged: 'true' }))).toBe(false);
  });

  it('knows the caller has gone from the call status or a cancelled dial', () => {
    expect(callerGone(p({ CallStatus: 'completed' }))).toBe(true);
    expect(callerGone(p({ DialCallStatus: 'canceled' }))).toBe(true);
    expect(callerGone(p({ DialCallStatus: 'no-answer' }))).toBe(false);
  });

  it('refuses what is not a Twilio webhook', () => {
    expect(webhookParams.safeParse({ CallSid: 'CA123' }).success).toBe(false);
    expect(webhookParams.safeParse({ CallSid: base.CallSid, From: ['a', 'b'] }).success).toBe(false);
  });
});
