// The console's pure pieces: the escaper every page goes through, a call's
// timeline read as sentences and engineer legs, SLA timer states, CSV cells and
// the sign-in redirect.
import { describe, expect, it } from 'vitest';
import { safeNext } from '../../src/http/auth/router.ts';
import { metBreachedChart } from '../../src/http/console/charts.ts';
import { csvCell, csvLine } from '../../src/http/console/csv.ts';
import { html, join } from '../../src/http/console/html.ts';
import { timerView } from '../../src/http/console/sla-view.ts';
import { timelineView } from '../../src/http/console/timeline-view.ts';
import { isTwilioRecordingUrl } from '../../src/http/console/recordings.ts';

describe('the escaper', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const evil = `"><script>alert('x')</script>&\``;
    expect(html`<p title="${evil}">${evil}</p>`.text).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;</p>',
    );
  });

  it('nests fragments without escaping them twice, and lists item by item', () => {
    const items = ['<a>', 'b&c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>`.text).toBe('<ul><li>&lt;a&gt;</li><li>b&amp;c</li></ul>');
    expect(join(['<x>', html`<br>`], ', ').text).toBe('&lt;x&gt;, <br>');
  });

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    expect(html`${null}${undefined}${false}${0}${12.5}`.text).toBe('012.5');
  });

  it('a plain object posing as markup is escaped, not trusted', () => {
    expect(html`${{ text: '<b>' }}`.text).toBe('[object Object]');
  });

  it('charts escape their labels too', () => {
    expect(metBreachedChart('c', 'T', [{ label: '<script>', met: 1, breached: 0 }]).text).not.toContain('<script>');
  });
});

describe("a call's timeline", () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 21, 3, 0, s));
  const events = [
    { seq: 1, at: at(0), type: 'call-started', detail: { from: '+441632960001', to: '+441632960000', carrier: 'cli' } },
    { seq: 2, at: at(1), type: 'asked', detail: { question: 'pin', text: 'Please enter your PIN', prompts: ['ask-pin'] } },
    { seq: 3, at: at(5), type: 'keys', detail: { digits: '••••', question: 'pin' } },
    { seq: 4, at: at(6), type: 'authenticated', detail: { accountNumber: '10001', tier: 'Cat4', byCallerId: true } },
    { seq: 5, at: at(7), type: 'route-decided', detail: { route: 'oncall', reason: 'Cat4 critical out of hours' } },
    { seq: 6, at: at(8), type: 'escalation-planned', detail: { legs: [{ engineerId: '1', name: 'Priya Shah', level: 'primary' }, { engineerId: '2', name: 'Tom Hughes', level: 'secondary' }], rounds: 2, ringSeconds: 25 } },
    { seq: 7, at: at(9), type: 'engineer-rung', detail: { engineerId: '1', name: 'Priya Shah', level: 'primary', ringSeconds: 25 } },
    { seq: 8, at: at(34), type: 'engineer-result', detail: { engineerId: '1', outcome: 'no_answer' } },
    { seq: 9, at: at(35), type: 'engineer-rung', detail: { engineerId: '2', name: 'Tom Hughes', level: 'secondary', ringSeconds: 25 } },
    { seq: 10, at: at(40), type: 'engineer-answered', detail: { engineerId: '2' } },
    { seq: 11, at: at(44), type: 'engineer-result', detail: { engineerId: '2', outcome: 'accepted' } },
    { seq: 12, at: at(44), type: 'bridge', detail: { engineerId: '2' } },
    { seq: 13, at: at(300), type: 'call-ended', detail: { outcome: 'engineer', reason: 'completed' } },
  ];

  it('reads as sentences, the PIN masked', () => {
    const v = timelineView(events);
    expect(v.lines.map((l) => [l.kind, l.text])).toEqual(
      expect.arrayContaining([
        ['prompt', 'Asked for the PIN: “Please enter your PIN”'],
        ['keys', 'Caller pressed •••• for the PIN'],
        ['routing', 'Routed to the on-call engineer: Cat4 critical out of hours'],
        ['engineer', 'Tom Hughes accepted (pressed 1)'],
        ['engineer', 'Caller put through to Tom Hughes'],
      ]),
    );
  });

  it('sums up each engineer leg: rung, answered, accepted or passed, bridged', () => {
    const [priya, tom] = timelineView(events).legs;
    expect(priya).toMatchObject({ name: 'Priya Shah', level: 'primary', rungAt: at(9), answeredAt: null, outcome: 'no_answer', bridgedAt: null });
    expect(tom).toMatchObject({ name: 'Tom Hughes', rungAt: at(35), answeredAt: at(40), outcome: 'accepted', bridgedAt: at(44) });
  });

  it('a second round rings the same engineer again as a new leg', () => {
    const again = [...events.slice(0, 8), { seq: 20, at: at(60), type: 'engineer-rung', detail: { engineerId: '1', name: 'Priya Shah', level: 'primary', ringSeconds: 25 } }, { seq: 21, at: at(85), type: 'engineer-result', detail: { engineerId: '1', outcome: 'busy' } }];
    expect(timelineView(again).legs.map((l) => l.outcome)).toEqual(['no_answer', 'busy']);
  });

  it('an unknown step still shows, as its type and plain details', () => {
    expect(timelineView([{ seq: 1, at: at(0), type: 'ari.channel-moved', detail: { from: 'a', nested: { x: 1 } } }]).lines[0]).toMatchObject({ kind: 'carrier', text: 'ari.channel moved: from a' });
  });
});

describe('SLA timer states at a glance', () => {
  const now = new Date('2026-11-23T15:30:00Z');
  const running = { state: 'running', dueAt: new Date('2026-11-23T17:00:00Z'), warnAt: new Date('2026-11-23T15:00:00Z') };
  it.each([
    ['past its 75% point', running, 'warning'],
    ['before its 75% point', { ...running, warnAt: new Date('2026-11-23T16:00:00Z') }, 'running'],
    ['warned by the watcher', { ...running, warnAt: null, warnedAt: new Date() }, 'warning'],
    ['past due before the watcher noticed', { ...running, dueAt: new Date('2026-11-23T15:00:00Z') }, 'breached'],
    ['met', { ...running, state: 'met' }, 'met'],
    ['paused', { ...running, state: 'paused' }, 'paused'],
  ])('a running timer %s reads %s', (_what, timer, expected) => {
    expect(timerView(timer, now)).toBe(expected);
  });
});

describe('CSV cells', () => {
  it('quotes commas, quotes and newlines, and neutralises formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('+441632960001')).toBe("'+441632960001");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell(null)).toBe('');
    expect(csvLine([1, true, new Date('2026-11-23T15:30:00Z')])).toBe('1,true,2026-11-23T15:30:00.000Z\r\n');
  });
});

describe('where sign-in returns to', () => {
  it.each([
    ['/console/calls?tier=Cat4', '/console/calls?tier=Cat4'],
    ['//evil.example.com', '/console/now'],
    ['https://evil.example.com/console/', '/console/now'],
    ['/console/\\evil', '/console/now'],
    ['/api/users', '/console/now'],
    ['/console/sign-out', '/console/now'],
    [undefined, '/console/now'],
  ])('%s → %s', (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });
});

describe('Twilio recording URLs', () => {
  it('only api.twilio.com recordings get our credentials', () => {
    expect(isTwilioRecordingUrl('https://api.twilio.com/2010-04-01/Accounts/AC0123/Recordings/RE0123456789abcdef0123456789abcdef')).toBe(true);
    expect(isTwilioRecordingUrl('https://api.twilio.com.evil.example/Recordings/RE0123456789abcdef0123456789abcdef')).toBe(false);
    expect(isTwilioRecordingUrl('http://api.twilio.com/2010-04-01/Accounts/AC0123/Recordings/RE0123456789abcdef0123456789abcdef')).toBe(false);
    expect(isTwilioRecordingUrl('not a url')).toBe(false);
  });
});
