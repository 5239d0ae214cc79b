// The console API's data on a real line: the call log's filters, keyset pages that
// return every row once, the streamed CSV, a call's timeline and voicemail (proxied
// from a fake Asterisk), the OpenAPI document, and hostile input in every field.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRoutes } from '../../src/http/api/router.ts';
import { signedIn, startConsoleLine, RECORDING_NAME, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

const AUDIO = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4000, 7)]);
let ari: Server;
let ariRequests: { url: string; auth: string | undefined; range: string | undefined }[] = [];
let t: ConsoleLine;
let sup: ConsoleClient;
let admin: ConsoleClient;

beforeAll(async () => {
  // A fake Asterisk that serves one stored recording, and only with the right credentials.
  ari = createServer((req, res) => {
    ariRequests.push({ url: req.url ?? '', auth: req.headers.authorization, range: req.headers.range });
    if (req.headers.authorization !== `Basic ${Buffer.from('console:secret').toString('base64')}`) return void res.writeHead(401).end();
    if (req.url !== `/ari/recordings/stored/${RECORDING_NAME}/file`) return void res.writeHead(404).end();
    if (req.headers.range === 'bytes=0-99') {
      res.writeHead(206, { 'content-type': 'audio/wav', 'content-range': `bytes 0-99/${AUDIO.length}`, 'content-length': '100' });
      return void res.end(AUDIO.subarray(0, 100));
    }
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(AUDIO.length) });
    res.end(AUDIO);
  });
  await new Promise<void>((resolve) => ari.listen(0, '127.0.0.1', resolve));
  const port = (ari.address() as AddressInfo).port;
  t = await startConsoleLine({ env: { ARI_URL: `http://127.0.0.1:${port}`, ARI_USERNAME: 'console', ARI_PASSWORD: 'secret' } });
  sup = await signedIn(t.url, t.users.supervisor.email);
  admin = await signedIn(t.url, t.users.admin.email);
});
afterAll(async () => {
  await t?.stop();
  await new Promise((resolve) => ari?.close(resolve));
});

interface Row {
  id: string;
  startedAt: string;
  tier: string | null;
  route: string | null;
  outcome: string | null;
  carrier: string;
  sla: string | null;
  accountNumber: string | null;
  ticketReference: string | null;
}
interface Page {
  items: Row[];
  next: string | null;
  prev: string | null;
}
const page = async (c: ConsoleClient, query: string): Promise<Page> => {
  const res = await c.get(`/api/calls?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
};

describe('the call log', () => {
  it('lists the calls newest first, each with its account, ticket and SLA state', async () => {
    const p = await page(sup, 'limit=10');
    expect(p.items.map((r) => r.id)).toEqual([t.calls.asteriskVoicemail, t.calls.brambleDesk, t.calls.castleMessage, t.calls.acmeFailed, t.calls.acmeAccepted]);
    expect(p.items.find((r) => r.id === t.calls.castleMessage)).toMatchObject({ accountNumber: '10003', route: 'voicemail', outcome: 'message', sla: 'warning' });
    expect(p.items.find((r) => r.id === t.calls.acmeFailed)).toMatchObject({ tier: 'Cat4', sla: 'breached' });
    // Cat2: the desk answered the call at 10:00, and that live answer met the 4-hour response.
    expect(p.items.find((r) => r.id === t.calls.brambleDesk)).toMatchObject({ tier: 'Cat2', sla: 'met' });
    expect(p.items.find((r) => r.id === t.calls.acmeAccepted)?.ticketReference).toMatch(/^\d+$/);
  });

  it.each([
    ['tier=Cat4', (r: Row) => r.tier === 'Cat4', 3],
    ['route=voicemail', (r: Row) => r.route === 'voicemail', 2],
    ['outcome=engineer', (r: Row) => r.outcome === 'engineer', 1],
    ['carrier=asterisk', (r: Row) => r.carrier === 'asterisk', 1],
    ['sla=warning', (r: Row) => r.sla === 'warning', 1],
    ['sla=breached', (r: Row) => r.sla === 'breached', 2],
    ['account=10003', (r: Row) => r.accountNumber === '10003', 1],
    ['from=2026-11-23&to=2026-11-23', (r: Row) => r.startedAt.startsWith('2026-11-23'), 2],
    ['to=2026-11-21', (r: Row) => r.startedAt.startsWith('2026-11-21'), 3],
    ['tier=Cat4&route=oncall&carrier=cli', (r: Row) => r.tier === 'Cat4' && r.route === 'oncall', 2],
  ])('filters by %s', async (query, keep, count) => {
    const p = await page(sup, `${query}&limit=200`);
    expect(p.items.every(keep)).toBe(true);
    expect(p.items).toHaveLength(count);
  });

  it('treats an empty field from a form as no filter', async () => {
    const p = await page(sup, 'tier=&route=&outcome=&carrier=&sla=&account=&from=&to=&limit=200');
    expect(p.items).toHaveLength(5);
  });
});

describe('keyset pages through many calls', () => {
  const MANY = 537;
  beforeAll(async () => {
    // Three calls share each start time (to the microsecond), so the id breaks ties.
    await t.line.db.query(
      `insert into calls (id, carrier, carrier_call_id, from_number, to_number, started_at, ended_at, outcome, route, tier)
       select gen_random_uuid(), case when i % 4 = 0 then 'twilio' else 'cli' end, 'bulk-' || i, '+441632960999', '+441632960000',
              timestamptz '2026-10-01 00:00:00.123456+00' + ((i / 3) * interval '7 minutes 13.000321 seconds'),
              timestamptz '2026-10-01 00:05:00+00' + ((i / 3) * interval '7 minutes 13 seconds'), 'abandoned', 'desk', 'Cat1'
         from generate_series(1, $1::int) i`,
      [MANY],
    );
  });

  async function walk(c: ConsoleClient, query: string) {
    const seen: string[] = [];
    const starts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p = await page(c, `${query}&limit=50${cursor ? `&after=${cursor}` : ''}`);
      seen.push(...p.items.map((r) => r.id));
      starts.push(...p.items.map((r) => r.startedAt));
      cursor = p.next;
      pages += 1;
    } while (cursor && pages < 100);
    return { seen, starts, pages };
  }

  it('returns every row exactly once, newest first, across pages', async () => {
    const { seen, starts, pages } = await walk(sup, 'outcome=abandoned');
    const [{ n }] = (await t.line.db.query<{ n: string }>("select count(*) as n from calls where outcome = 'abandoned'")) as [{ n: string }];
    expect(seen).toHaveLength(Number(n));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(Number(n) / 50));
    expect([...starts].sort().reverse()).toEqual(starts);
  });

  it('does the same within a filter, and walks back with the previous-page cursor', async () => {
    const forward: Page[] = [];
    let p = await page(sup, 'carrier=twilio&limit=40');
    forward.push(p);
    while (p.next) {
      p = await page(sup, `carrier=twilio&limit=40&after=${p.next}`);
      forward.push(p);
    }
    const ids = forward.flatMap((x) => x.items.map((r) => r.id));
    expect(ids).toHaveLength(Math.floor(MANY / 4));
    expect(new Set(ids).size).toBe(ids.length);
    // Back from the last page to the first, page by page.
    let back = forward[forward.length - 1]!;
    for (let i = forward.length - 2; i >= 0; i--) {
      back = await page(sup, `carrier=twilio&limit=40&before=${back.prev}`);
      expect(back.items.map((r) => r.id)).toEqual(forward[i]!.items.map((r) => r.id));
    }
    expect(back.prev).toBeNull();
  });

  it('never uses OFFSET: the next page starts where the index says, not by counting rows', async () => {
    const p = await page(sup, 'limit=50');
    // A table this small is cheaper to scan; the point is that the keyset condition is an index condition.
    const plan = await t.line.db.tx(async (tx) => {
      await tx.query('set local enable_seqscan = off');
      await tx.query('set local enable_bitmapscan = off');
      return tx.query<{ 'QUERY PLAN': string }>(
        `explain select id from calls c where (c.started_at, c.id) < ($1::timestamptz, $2::uuid) order by c.started_at desc, c.id desc limit 51`,
        [p.items[49]!.startedAt, p.items[49]!.id],
      );
    });
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index (Only )?Scan using calls_recent/);
    expect(text).toMatch(/Index Cond: \(ROW\(started_at, id\) </);
    expect(text).not.toMatch(/Sort/);
  });

  it('refuses a cursor it did not make', async () => {
    const res = await sup.get('/api/calls?after=bm90LWEtY3Vyc29y');
    expect(res.status).toBe(400);
  });
});

describe('the ticket list', () => {
  it('lists tickets newest first with their SLA state, filtered by status and SLA', async () => {
    const all = (await (await sup.get('/api/tickets?limit=200')).json()) as { items: { reference: string; sla: string | null; status: string }[] };
    const [{ n }] = (await t.line.db.query<{ n: string }>('select count(*) as n from tickets')) as [{ n: string }];
    expect(all.items).toHaveLength(Number(n));
    const warning = (await (await sup.get('/api/tickets?sla=warning')).json()) as { items: { reference: string }[] };
    expect(warning.items.map((r) => r.reference)).toEqual([t.warningTicket]);
    const open = (await (await sup.get('/api/tickets?status=open')).json()) as { items: { status: string }[] };
    expect(open.items.every((r) => !['resolved', 'closed'].includes(r.status))).toBe(true);
    expect((await sup.get('/api/tickets?status=nonsense')).status).toBe(400);
  });

  it('gives an engineer only their own', async () => {
    const priya = await signedIn(t.url, t.users.engineer.email);
    const mine = (await (await priya.get('/api/tickets')).json()) as { items: { callId: string }[] };
    expect(mine.items.map((r) => r.callId).sort()).toEqual([t.calls.acmeAccepted, t.calls.acmeFailed].sort());
  });
});

describe('the CSV export', () => {
  it('streams the whole filtered set with a header row, formulas neutralised', async () => {
    await t.line.db.query(
      `insert into calls (id, carrier, carrier_call_id, from_number, to_number, started_at, tier)
       values (gen_random_uuid(), 'twilio', 'csv-formula', '=HYPERLINK("http://evil.example.com")', '+441632960000', '2026-11-22T12:00:00Z', 'Cat2')`,
    );
    const res = await sup.get('/api/calls/export.csv?tier=Cat2');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="calls-2026-11-23\.csv"/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(/^started_at,started_uk,ended_at,carrier,from,/);
    expect(lines).toHaveLength(3); // the header, Bramble's call and the hostile one
    expect(lines.join('\n')).toContain(`"'=HYPERLINK(""http://evil.example.com"")"`);
  });

  it('exports thousands of rows in batches without holding them all', async () => {
    const res = await sup.get('/api/calls/export.csv?outcome=abandoned');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines.length - 1).toBe(537);
  });
});

describe('one call', () => {
  it('has its timeline with prompts, masked PIN keys, routing with reasons and every engineer leg', async () => {
    const res = await sup.get(`/api/calls/${t.calls.acmeAccepted}`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as { lines: { kind: string; text: string }[]; legs: { name: string; outcome: string; answeredAt: string | null; bridgedAt: string | null }[]; ticket: { reference: string } | null };
    const kinds = new Set(d.lines.map((l) => l.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['prompt', 'keys', 'routing', 'engineer', 'ticket', 'call']));
    expect(d.lines.find((l) => l.kind === 'keys' && /PIN/.test(l.text))?.text).toMatch(/pressed •{4} for the PIN/);
    expect(d.lines.find((l) => l.kind === 'routing' && l.text.startsWith('Routed'))?.text).toMatch(/on-call engineer: .+/);
    expect(d.legs.map((l) => [l.name, l.outcome])).toEqual([
      ['Priya Shah', 'no_answer'],
      ['Tom Hughes', 'accepted'],
    ]);
    expect(d.legs[1]!.answeredAt).not.toBeNull();
    expect(d.legs[1]!.bridgedAt).not.toBeNull();
    expect(d.ticket?.reference).toMatch(/^\d+$/);
    const pin = t.demo.accounts.find((a) => a.number === '10001')!.pin;
    expect(JSON.stringify(d)).not.toContain(`${pin}#`);
  });

  it('is 404 when there is no such call, 400 for something that is not a call id', async () => {
    expect((await sup.get('/api/calls/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await sup.get('/api/calls/nope')).status).toBe(400);
  });
});

describe('voicemail', () => {
  it('streams the Asterisk recording through the console with the ARI credentials', async () => {
    const detail = (await (await sup.get(`/api/calls/${t.calls.asteriskVoicemail}`)).json()) as { recording: { available: boolean; url: string } };
    expect(detail.recording).toMatchObject({ available: true, url: `/console/calls/${t.calls.asteriskVoicemail}/recording` });
    ariRequests = [];
    const res = await sup.get(detail.recording.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(AUDIO);
    expect(ariRequests[0]?.url).toBe(`/ari/recordings/stored/${RECORDING_NAME}/file`);
  });

  it('passes a Range request on, so the player can seek', async () => {
    const res = await sup.get(`/console/calls/${t.calls.asteriskVoicemail}/recording`, { range: 'bytes=0-99' });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-99/${AUDIO.length}`);
    expect((await res.arrayBuffer()).byteLength).toBe(100);
  });

  it('says why a simulated call has no audio, and a call without a message has none', async () => {
    const sim = (await (await sup.get(`/api/calls/${t.calls.castleMessage}`)).json()) as { recording: { available: boolean; note: string } };
    expect(sim.recording).toMatchObject({ available: true, note: expect.stringMatching(/simulated call/i) });
    const res = await sup.get(`/console/calls/${t.calls.castleMessage}/recording`);
    expect(res.status).toBe(404);
    const none = await sup.get(`/console/calls/${t.calls.brambleDesk}/recording`);
    expect(none.status).toBe(404);
  });

  it('is not for an engineer who was not rung', async () => {
    const aisha = await signedIn(t.url, t.users.otherEngineer.email);
    expect((await aisha.get(`/console/calls/${t.calls.asteriskVoicemail}/recording`)).status).toBe(403);
  });
});

describe('the OpenAPI document', () => {
  it('describes every route of the table from its zod schemas', async () => {
    const res = await sup.get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { parameters: { name: string; schema: { enum?: string[] } }[]; requestBody?: unknown; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const r of apiRoutes()) {
      const op = doc.paths[`/api${r.path}`]?.[r.method];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining(['401', '403']));
      if (r.body) expect(op!.requestBody).toBeDefined();
    }
    const tier = doc.paths['/api/calls']!.get!.parameters.find((p) => p.name === 'tier');
    expect(tier?.schema.enum).toEqual(['None', 'CatS', 'Cat1', 'Cat2', 'Cat4']);
  });

  it('documents what the routes really answer', async () => {
    const table = new Map(apiRoutes().map((r) => [`${r.method} ${r.path}`, r]));
    const check = async (key: string, path: string) => {
      const schema = table.get(key)!.response!;
      const body = await (await admin.get(path)).json();
      const parsed = (schema as z.ZodType).safeParse(body);
      expect(parsed.success, `${key}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
    };
    await check('get /calls', '/api/calls');
    await check('get /calls/{id}', `/api/calls/${t.calls.acmeAccepted}`);
    await check('get /now', '/api/now');
    await check('get /rota', '/api/rota');
    await check('get /closures', '/api/closures?year=2026');
    await check('get /users', '/api/users');
    await check('get /me', '/api/me');
    await check('get /engineers', '/api/engineers');
    await check('get /tickets', '/api/tickets?status=open');
  });
});

describe('hostile input', () => {
  const HOSTILE = [`' OR '1'='1`, '1; drop table calls; --', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '../../etc/passwd', '%00'];
  const FILTERS = ['from', 'to', 'account', 'tier', 'route', 'outcome', 'carrier', 'sla', 'after', 'before', 'limit'];

  async function callCount(): Promise<number> {
    const [row] = await t.line.db.query<{ n: string }>('select count(*) as n from calls');
    return Number(row!.n);
  }

  it('in every filter of the API is a 400 that changes nothing', async () => {
    const before = await callCount();
    for (const key of FILTERS) {
      for (const value of HOSTILE) {
        const res = await sup.get(`/api/calls?${new URLSearchParams({ [key]: value }).toString()}`);
        expect(res.status, `${key}=${value}`).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
      }
    }
    expect(await callCount()).toBe(before);
  });

  it('in every filter of the page comes back escaped, never as markup', async () => {
    for (const key of FILTERS.filter((k) => k !== 'after' && k !== 'before' && k !== 'limit')) {
      const res = await sup.get(`/console/calls?${new URLSearchParams({ [key]: '<script>alert(1)</script>' }).toString()}`);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
    const tickets = await sup.get(`/console/tickets?status=${encodeURIComponent('"><script>x</script>')}`);
    expect(tickets.status).toBe(400);
    expect(await tickets.text()).not.toContain('<script>x</script>');
  });

  it('in forms is stored as text and shown escaped', async () => {
    const reason = `<script>alert("closure")</script>'; drop table closures; --`;
    const added = await admin.form('/console/closures', { from: '2026-12-08T09:00', to: '2026-12-08T10:00', reason });
    expect(added.status).toBe(303);
    const page = await (await admin.get('/console/closures?year=2026')).text();
    expect(page).not.toContain('<script>alert("closure")</script>');
    expect(page).toContain('&lt;script&gt;alert(&quot;closure&quot;)&lt;/script&gt;&#39;; drop table closures; --');
    expect(await t.line.db.query('select 1 from closures where reason = $1', [reason])).toHaveLength(1);

    const note = `<img src=x onerror=alert(2)> Robert'); drop table tickets;--`;
    const ref = t.warningTicket;
    expect((await admin.form(`/console/tickets/${ref}/notes`, { note })).status).toBe(303);
    const ticket = await (await admin.get(`/console/tickets/${ref}`)).text();
    expect(ticket).not.toContain('<img src=x');
    expect(ticket).toContain('&lt;img src=x onerror=alert(2)&gt; Robert&#39;); drop table tickets;--');

    const [priya] = t.demo.engineers;
    const rota = await admin.form('/console/rota/shifts', { engineerId: priya!.id, level: 'secondary', from: '2026-12-09T09:00', to: '2026-12-09T17:00', note: '<b onmouseover=alert(3)>swap</b>' });
    expect(rota.status).toBe(303);
    expect(await (await admin.get('/console/rota?from=2026-12-07')).text()).toContain('&lt;b onmouseover=alert(3)&gt;swap&lt;/b&gt;');

    const user = await admin.form('/console/users', { email: 'hostile@example.com', name: '<svg onload=alert(4)>', role: 'supervisor' });
    expect(user.status).toBe(201);
    expect(await (await admin.get('/console/users')).text()).toContain('&lt;svg onload=alert(4)&gt;');

    const bad = await admin.form('/console/users', { email: `x'@example.com<script>`, role: 'supervisor' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).not.toContain('<script>');
    const [{ n }] = (await t.line.db.query<{ n: string }>('select count(*) as n from tickets')) as [{ n: string }];
    expect(Number(n)).toBeGreaterThan(0);
  });

  it('in an id or reference in the path is a 404 or 400, never an error', async () => {
    for (const path of [`/api/calls/${encodeURIComponent("1' or '1'='1")}`, '/api/tickets/1%20or%201=1', `/console/tickets/${encodeURIComponent('<x>')}`, '/api/rota/shifts/1;drop']) {
      const res = path.startsWith('/api/rota') ? await admin.json('DELETE', path) : await sup.get(path);
      expect([400, 404], path).toContain(res.status);
    }
  });
});
