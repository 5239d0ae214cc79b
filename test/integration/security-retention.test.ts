// Personal data is not kept for ever: recordings past RECORDING_RETENTION_DAYS are
// deleted where the carrier keeps them and forgotten by the call and its ticket;
// caller numbers past CALLER_NUMBER_RETENTION_DAYS are blanked; every purge is
// audited, once, even with two instances purging at the same moment.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { appendCallEvent, getCall, openCall, updateCall } from '../../src/store/calls.ts';
import { carrierRecordingDeleter, purgeExpired, type RetentionOptions } from '../../src/workers/retention.ts';
import { useFreshDatabase } from '../support/db.ts';

const fresh = useFreshDatabase();
const NOW = new Date('2026-11-21T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const TWILIO_SID = 'AC' + 'a'.repeat(32);
const twilioUrl = (n: number) => `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_SID}/Recordings/RE${String(n).padStart(32, '0')}`;

let ari: Server;
let ariUrl = '';
const ariDeletes: string[] = [];
const ariGone = new Set<string>();
const twilioDeletes: string[] = [];

beforeAll(async () => {
  ari = createServer((req, res) => {
    const m = /^\/ari\/recordings\/stored\/([^/]+)$/.exec(req.url ?? '');
    if (req.method !== 'DELETE' || !m || req.headers.authorization !== `Basic ${Buffer.from('ari:secret').toString('base64')}`) {
      res.writeHead(400).end();
      return;
    }
    const name = decodeURIComponent(m[1]!);
    ariDeletes.push(name);
    res.writeHead(ariGone.has(name) ? 404 : 204).end();
  });
  await new Promise<void>((resolve) => ari.listen(0, '127.0.0.1', () => resolve()));
  const address = ari.address();
  ariUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => ari.close(() => resolve()));
});

function options(): RetentionOptions {
  const config = loadConfig({ NODE_ENV: 'test', ARI_URL: ariUrl, ARI_USERNAME: 'ari', ARI_PASSWORD: 'secret', TWILIO_ACCOUNT_SID: TWILIO_SID, TWILIO_AUTH_TOKEN: 'token' });
  const fetchWithTwilio: typeof fetch = async (input, init) => {
    const url = String(input);
    if (url.startsWith('https://api.twilio.com/')) {
      twilioDeletes.push(url);
      return new Response(null, { status: 204 });
    }
    return fetch(input, init);
  };
  return {
    db: fresh.db,
    deleteRecording: carrierRecordingDeleter(config, fetchWithTwilio),
    recordingDays: config.RECORDING_RETENTION_DAYS,
    callerNumberDays: config.CALLER_NUMBER_RETENTION_DAYS,
    logger: createLogger('silent'),
    batchSize: 2,
  };
}

/** A call with a voicemail on a ticket, `age` days ago. */
async function voicemail(carrier: 'asterisk' | 'twilio' | 'cli', age: number, recordingName: string, from = '+441632960777') {
  const id = randomUUID();
  const at = daysAgo(age);
  await openCall(fresh.db, { id, carrier, carrierCallId: `c-${id}`, from, to: '+441632960000', startedAt: at });
  await updateCall(fresh.db, id, { recordingName, route: 'voicemail' });
  await appendCallEvent(fresh.db, id, 1, at, 'call-started', { from, to: '+441632960000', carrier, closures: 0 });
  const [ticket] = await fresh.db.query<{ id: string }>(
    `insert into tickets (call_id, kind, tier, channel, route, summary, recording_name, opened_at, created_at, updated_at)
     values ($1, 'message', 'Cat1', 'phone', 'voicemail', $2, $3, $4, $4, $4) returning id`,
    [id, `Phone call from ${from}: message, voicemail`, recordingName, at],
  );
  return { id, ticketId: ticket!.id };
}

const ticketOf = async (id: string) =>
  (await fresh.db.query<{ recording_name: string | null; summary: string }>('select recording_name, summary from tickets where id = $1', [id]))[0];

describe('the retention job', () => {
  it('deletes recordings past 90 days at their carrier, forgets them, audits each once, and leaves younger ones', async () => {
    const oldAsterisk = await voicemail('asterisk', 100, `support-line/${randomUUID()}`);
    const goneAsterisk = await voicemail('asterisk', 95, 'support-line/already-deleted');
    ariGone.add('support-line/already-deleted');
    const oldTwilio = await voicemail('twilio', 120, twilioUrl(1));
    const oldCli = await voicemail('cli', 91, 'support-line/simulated');
    const young = await voicemail('asterisk', 89, 'support-line/young');

    const first = await purgeExpired(options(), NOW);
    expect(first.recordings).toEqual({ deleted: 2, 'already-gone': 1, 'reference-cleared': 1 });
    expect(first.failed).toBe(0);
    const oldName = (await fresh.db.query<{ recording_name: string }>("select detail->>'recordingName' as recording_name from audit_log where entity_id = $1", [oldAsterisk.id]))[0]?.recording_name;
    expect(ariDeletes).toEqual(expect.arrayContaining([oldName, 'support-line/already-deleted']));
    expect(ariDeletes).not.toContain('support-line/young');
    expect(twilioDeletes).toEqual([twilioUrl(1)]);

    for (const c of [oldAsterisk, goneAsterisk, oldTwilio, oldCli]) {
      expect((await getCall(fresh.db, c.id))?.recordingName).toBeNull();
      expect((await ticketOf(c.ticketId))?.recording_name).toBeNull();
    }
    expect((await getCall(fresh.db, young.id))?.recordingName).toBe('support-line/young');
    const audits = await fresh.db.query<{ entity_id: string; fate: string }>("select entity_id, detail->>'fate' as fate from audit_log where action = 'recording.purged'");
    expect(audits).toHaveLength(4);
    expect(audits.find((a) => a.entity_id === oldCli.id)?.fate).toBe('reference-cleared');
    const purgedEvents = await fresh.db.query("select 1 from ticket_events where type = 'recording_purged'");
    expect(purgedEvents).toHaveLength(4);

    // Run again: nothing left to do, nothing audited twice.
    const again = await purgeExpired(options(), NOW);
    expect(again.recordings).toEqual({ deleted: 0, 'already-gone': 0, 'reference-cleared': 0 });
    expect(await fresh.db.query("select 1 from audit_log where action = 'recording.purged'")).toHaveLength(4);
  });

  it('two instances purging at once record each purge once', async () => {
    const calls = await Promise.all([1, 2, 3, 4, 5].map((n) => voicemail('twilio', 100 + n, twilioUrl(100 + n))));
    await Promise.all([purgeExpired(options(), NOW), purgeExpired(options(), NOW)]);
    for (const c of calls) {
      expect(await fresh.db.query("select 1 from audit_log where action = 'recording.purged' and entity_id = $1", [c.id])).toHaveLength(1);
      expect((await getCall(fresh.db, c.id))?.recordingName).toBeNull();
    }
  });

  it('a carrier that fails keeps the recording named, to be tried again next run', async () => {
    const c = await voicemail('asterisk', 100, 'support-line/flaky');
    const failing = { ...options(), deleteRecording: async () => Promise.reject(new Error('ARI answered 500')) };
    const r = await purgeExpired(failing, NOW);
    expect(r.failed).toBeGreaterThanOrEqual(1);
    expect((await getCall(fresh.db, c.id))?.recordingName).toBe('support-line/flaky');
    await purgeExpired(options(), NOW);
    expect((await getCall(fresh.db, c.id))?.recordingName).toBeNull();
  });

  it('blanks caller numbers past a year: on the call, its timeline and its ticket; PIN audit entries too', async () => {
    const old = await voicemail('cli', 400, 'support-line/x', '+441632960888');
    const recent = await voicemail('cli', 30, 'support-line/y', '+441632960889');
    await fresh.db.query(
      "insert into audit_log (at, actor, action, entity, entity_id, detail) values ($1, 'line', 'pin.failed', 'account', null, $2::jsonb), ($3, 'line', 'pin.failed', 'account', null, $4::jsonb)",
      [daysAgo(400), JSON.stringify({ accountNumber: '10001', callerPhone: '+441632960888' }), daysAgo(30), JSON.stringify({ accountNumber: '10001', callerPhone: '+441632960889' })],
    );
    const r = await purgeExpired(options(), NOW);
    expect(r.callerNumbers).toBeGreaterThanOrEqual(1);

    expect((await getCall(fresh.db, old.id))?.from).toBe('purged');
    expect((await ticketOf(old.ticketId))?.summary).toBe('Phone call from [number removed]: message, voicemail');
    const started = await fresh.db.query<{ detail: Record<string, unknown> }>("select detail from call_events where call_id = $1 and type = 'call-started'", [old.id]);
    expect(started[0]?.detail).not.toHaveProperty('from');
    const everything = JSON.stringify(await fresh.db.query('select * from audit_log')) + JSON.stringify(await fresh.db.query('select * from calls where id = $1', [old.id]));
    expect(everything).not.toContain('+441632960888');

    // Younger than a year: kept.
    expect((await getCall(fresh.db, recent.id))?.from).toBe('+441632960889');
    expect(JSON.stringify(await fresh.db.query('select detail from audit_log'))).toContain('+441632960889');
  });

  it('drops replay claims of the outbox older than 30 days', async () => {
    await fresh.db.query("insert into outbox_applied (id, op, applied_at) values ($1, 'openCall', $2), ($3, 'openCall', $4)", [randomUUID(), daysAgo(31), randomUUID(), daysAgo(1)]);
    const r = await purgeExpired(options(), NOW);
    expect(r.outboxClaims).toBe(1);
    expect(await fresh.db.query('select 1 from outbox_applied')).toHaveLength(1);
  });
});
