// Fuzzing the doors a stranger or a careless client can reach: every console API
// route with random ids, query values and bodies (as a signed-in admin, so the
// handlers run, not just the guards), and the Twilio webhooks with random signed
// form bodies and query strings. 10,000 cases in all: none may answer 5xx, and a
// refused change (4xx) must leave Postgres as it was.
import fc from 'fast-check';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../src/http/api/router.ts';
import { signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';
import { useFreshDatabase } from '../support/db.ts';
import { seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { AUTH_TOKEN, PUBLIC_BASE_URL, startTwilioLine, type TwilioLine } from '../support/fake-twilio/line.ts';
import { useRedisLiveStore } from '../support/redis.ts';

/** Values people and programs send: numbers at the edges, dates near and far, text that breaks parsers. */
const oddText = fc.oneof(
  fc.constantFrom('', ' ', '0', '-1', '1', '9223372036854775807', '9223372036854775808', '99999999999999999999', '1e309', 'NaN', 'null', 'true', '[]', '{}'),
  fc.constantFrom('2026-11-21', '2026-02-30', '0000-01-01', '9999-12-31', '2026-11-21T03:00', '2026-11-21T03:00:00+99:00', '2026-11-21T03:00:00-14:00', '2026-13-45T99:99'),
  fc.constantFrom("' OR 1=1 --", '<script>x</script>', '../../etc/passwd', '%00', '\u0000', '\uFFFF', '\uD800', 'Ä̈', '🦄', 'x'.repeat(5000)),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
);
const oddJson: fc.Arbitrary<unknown> = fc.oneof(oddText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(oddText, { maxLength: 3 }));

/** Lone surrogates replaced by U+FFFD, as a browser does before sending. */
const wellFormed = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

const API_CASES = Number(process.env['FUZZ_API_CASES'] ?? 5000);
const TWILIO_CASES = Number(process.env['FUZZ_TWILIO_CASES'] ?? 5000);

describe('the console API, fuzzed', () => {
  let t: ConsoleLine;
  let admin: ConsoleClient;
  beforeAll(async () => {
    t = await startConsoleLine();
    admin = await signedIn(t.url, t.users.admin.email);
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** What a change could touch, as one digest (sessions aside: every request touches its own). */
  async function digest(): Promise<string> {
    const tables = ['accounts', 'audit_log', 'closures', 'engineers', 'feed_entries', 'notifications', 'rota_shifts', 'sla_timers', 'ticket_events', 'tickets', 'users'];
    const sql = tables.map((x) => `select '${x}' as t, md5(coalesce(string_agg(r::text, '|' order by r::text), '')) as d from ${x} r`).join(' union all ');
    return (await t.line.db.query<{ t: string; d: string }>(sql)).map((r) => `${r.t}:${r.d}`).join(',');
  }

  it(`${API_CASES} requests with random ids, queries and bodies: never a 5xx, and a refused change changes nothing`, async () => {
    const routes = apiRoutes().filter((r) => !r.produces);
    const request = fc.record({
      route: fc.constantFrom(...routes.map((r) => r.operationId)),
      id: oddText,
      query: fc.dictionary(fc.oneof(fc.constantFrom('from', 'to', 'after', 'before', 'limit', 'year', 'days', 'status', 'sla', 'account', 'tier'), fc.string({ maxLength: 8 })), oddText, { maxKeys: 3 }),
      body: fc.dictionary(fc.oneof(fc.constantFrom('from', 'to', 'reason', 'engineerId', 'level', 'name', 'role', 'email', 'disabled', 'note', 'override'), fc.string({ maxLength: 8 })), oddJson, { maxKeys: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ route: operationId, id, query, body }) => {
        const route = routes.find((r) => r.operationId === operationId)!;
        // A lone surrogate cannot be put in a URL at all; the client sends its replacement character.
        const path = '/api' + route.path.replace(/\{\w+\}/g, () => encodeURIComponent(wellFormed(id)));
        const qs = new URLSearchParams(Object.entries(query)).toString();
        const url = qs ? `${path}?${qs}` : path;
        const changes = route.method !== 'get';
        const before = changes ? await digest() : '';
        const res = changes ? await admin.json(route.method.toUpperCase(), url, body) : await admin.get(url);
        const text = await res.text();
        expect(res.status, `${route.method} ${url} ${JSON.stringify(body)} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
        if (changes && res.status >= 400) expect(await digest(), `${route.method} ${url} was refused (${res.status}) but changed Postgres`).toBe(before);
      }),
      { numRuns: API_CASES },
    );
  }, 600_000);
});

describe('the Twilio webhooks, fuzzed', () => {
  const fresh = useFreshDatabase();
  const redis = useRedisLiveStore();
  let line: TwilioLine;
  beforeAll(async () => {
    await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    line = await startTwilioLine({ db: fresh.db, live: redis.store, at: '2026-11-18T03:00:00Z' });
  });
  afterAll(async () => {
    await line?.close();
  });

  const FIELDS = ['CallSid', 'From', 'To', 'CallStatus', 'Digits', 'Direction', 'DialCallStatus', 'DialCallSid', 'RecordingSid', 'RecordingUrl', 'RecordingStatus', 'RecordingDuration', 'AnsweredBy', 'ParentCallSid', 'SipResponseCode'];
  const PATHS = ['/voice', '/sip-result', '/step', '/screen', '/screen-result', '/desk-answer', '/status', '/recording-status', '/safe'];

  it(`${TWILIO_CASES} signed webhooks with random fields and queries: never a 5xx`, async () => {
    const webhook = fc.record({
      path: fc.constantFrom(...PATHS),
      query: fc.dictionary(fc.constantFrom('via', 'q', 'n', 'leg', 'call', 'stage', 'e', 'seq', 'id'), oddText, { maxKeys: 3 }),
      fields: fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 6 })), oddText, { maxKeys: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(webhook, async ({ path, query, fields }) => {
        const qs = new URLSearchParams(Object.entries(query)).toString();
        const pathAndQuery = `/twilio${path}${qs ? `?${qs}` : ''}`;
        // Signed as Twilio would sign it, so the parser and the handlers, not the signature check, meet the input.
        const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_BASE_URL + pathAndQuery, fields);
        const res = await fetch(line.url + pathAndQuery, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body: new URLSearchParams(Object.entries(fields)).toString(),
        });
        const text = await res.text();
        expect(res.status, `${pathAndQuery} ${JSON.stringify(fields)} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: TWILIO_CASES },
    );
  }, 600_000);
});
