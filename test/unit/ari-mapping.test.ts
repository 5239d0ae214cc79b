// How the carrier maps the flow's words and Asterisk's facts: media URIs, hangup
// causes, leg ids, and events checked at the edge.
import { describe, expect, it } from 'vitest';
import { digits, num, prompt } from '../../src/domain/prompts.ts';
import { causeText, unansweredOutcome } from '../../src/carriers/ari/causes.ts';
import { parseAriEvent } from '../../src/carriers/ari/events.ts';
import { legCallId, legId, unoptimised } from '../../src/carriers/ari/legs.ts';
import { CORE_SOUNDS, mediaFor, numberSounds, promptOf } from '../../src/carriers/ari/media.ts';
import { ariBaseUrl } from '../../src/carriers/ari/client.ts';

describe('media', () => {
  it('prompts are sound files in our folder; digits and numbers are core sound files (a stop cuts them)', () => {
    expect(mediaFor([prompt('ticket-reference'), digits('1042'), prompt('callback-by'), num(5)], 'support-line')).toEqual([
      'sound:support-line/ticket-reference',
      'sound:digits/1',
      'sound:digits/0',
      'sound:digits/4',
      'sound:digits/2',
      'sound:support-line/callback-by',
      'sound:digits/5',
    ]);
  });

  it('numbers are said as Asterisk says them in English', () => {
    expect(numberSounds(0)).toEqual(['digits/0']);
    expect(numberSounds(17)).toEqual(['digits/17']);
    expect(numberSounds(20)).toEqual(['digits/20']);
    expect(numberSounds(45)).toEqual(['digits/40', 'digits/5']);
    expect(numberSounds(305)).toEqual(['digits/3', 'digits/hundred', 'digits/5']);
    expect(numberSounds(2026)).toEqual(['digits/2', 'digits/thousand', 'digits/20', 'digits/6']);
    // Every number a spoken time uses (hours, minutes, days of the month) is in CORE_SOUNDS.
    for (let n = 0; n < 60; n += 1) for (const f of numberSounds(n)) expect(CORE_SOUNDS).toContain(f);
  });

  it('free text is said by its fallback, and nothing can split the media list', () => {
    expect(mediaFor([{ type: 'text', value: 'ACME, Ltd', fallback: [digits('10,042')] }], 'sl')).toEqual(
      ['1', '0', '0', '4', '2'].map((d) => `sound:digits/${d}`),
    );
    expect(mediaFor([digits('-'), num(-1), num(2.5)], 'sl')).toEqual([]);
    expect(promptOf('sound:sl/goodbye', 'sl')).toBe('goodbye');
    expect(promptOf('sound:digits/1', 'sl')).toBeNull();
  });
});

describe('hangup causes', () => {
  it('names the causes Asterisk reports', () => {
    expect(causeText(16)).toBe('Normal Clearing');
    expect(causeText(17)).toBe('User busy');
    expect(causeText(99)).toBe('Cause 99');
    expect(causeText(undefined)).toBe('Unknown');
  });

  it('an unanswered leg: the Dial status decides, else the cause', () => {
    expect(unansweredOutcome('BUSY', 16)).toBe('busy');
    expect(unansweredOutcome('NOANSWER', undefined)).toBe('no_answer');
    expect(unansweredOutcome('CHANUNAVAIL', 20)).toBe('failed');
    expect(unansweredOutcome('RINGING', 17)).toBe('busy');
    expect(unansweredOutcome(null, 19)).toBe('no_answer');
    expect(unansweredOutcome(null, 34)).toBe('failed');
  });
});

describe('leg ids', () => {
  it('name their call, so a restarted process can find a leg still ringing', () => {
    const id = legId('6d3852e0-3631-4416-88a2-5f0c8f9ad0f1');
    expect(id).toMatch(/^leg-6d3852e0-3631-4416-88a2-5f0c8f9ad0f1-[0-9a-f]{8}$/);
    expect(legCallId(id)).toBe('6d3852e0-3631-4416-88a2-5f0c8f9ad0f1');
    // The other half of a Local leg, as Asterisk names it, is not a second leg.
    expect(legCallId(`${id};2`)).toBeNull();
    expect(legCallId('1718037652.12')).toBeNull();
  });
});

describe('Local channels', () => {
  it('are never optimised away (the half in the application must stay)', () => {
    expect(unoptimised('Local/+447700900123@engineers')).toBe('Local/+447700900123@engineers/n');
    expect(unoptimised('Local/support@desk/j')).toBe('Local/support@desk/jn');
    expect(unoptimised('Local/support@desk/n')).toBe('Local/support@desk/n');
    expect(unoptimised('PJSIP/+447700900123@trunk')).toBe('PJSIP/+447700900123@trunk');
  });
});

describe('events at the edge', () => {
  const channel = {
    id: '1.2',
    name: 'PJSIP/trunk-1',
    state: 'Ring',
    caller: { name: '', number: '+441632960123' },
    connected: { name: '', number: '' },
    dialplan: { context: 'support', exten: '+441632960000', priority: 2, app_name: 'Stasis', app_data: 'support-line,inbound' },
    creationtime: '2026-06-25T17:19:55.123+0000',
    language: 'en',
    accountcode: '',
    protocol_id: '',
  };
  const base = { application: 'support-line', timestamp: '2026-06-25T17:19:55.201+0000', asterisk_id: '02:42:ac:11:00:02' };

  it('accepts the shapes Asterisk sends', () => {
    const parsed = parseAriEvent(JSON.stringify({ type: 'StasisStart', ...base, args: ['inbound'], channel }));
    expect(parsed).toMatchObject({ ok: true, event: { type: 'StasisStart', args: ['inbound'], channel: { id: '1.2' } } });
  });

  it('refuses what is not JSON, not known, or not the right shape', () => {
    expect(parseAriEvent('{')).toMatchObject({ ok: false, reason: 'not-json' });
    expect(parseAriEvent(JSON.stringify({ type: 'ChannelTalkingStarted', ...base, channel }))).toMatchObject({ ok: false, reason: 'unknown-type' });
    expect(parseAriEvent(JSON.stringify({ type: '__proto__', ...base }))).toMatchObject({ ok: false, reason: 'unknown-type' });
    expect(parseAriEvent(JSON.stringify({ type: 'ChannelDtmfReceived', ...base, digit: 5, duration_ms: 100, channel }))).toMatchObject({
      ok: false,
      reason: 'bad-shape',
      detail: 'digit',
    });
  });
});

describe('ARI_URL', () => {
  it('takes the server with or without /ari', () => {
    expect(ariBaseUrl('http://127.0.0.1:8088')).toBe('http://127.0.0.1:8088/ari');
    expect(ariBaseUrl('http://127.0.0.1:8088/ari/')).toBe('http://127.0.0.1:8088/ari');
  });
});
