// Wednesday 18 November 2026, 10:00. A broadband exchange serving ACME Ltd has failed.
// The supervisor has opened an incident and posted an announcement for ACME only.
// On both carriers: ACME's caller hears it after the PIN, presses 1 and is added to the
// incident (their own ticket, joined to it, and the reference said); Castle Vets, not
// in its scope, goes straight to the menu; everyone hears the unscoped maintenance
// notice right after the greeting, before identification. Then the incident is resolved
// with its children in one action, and the caller who joined from a mobile is texted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postAnnouncement } from '../../src/announcements/post.ts';
import { PROMPTS } from '../../src/domain/prompts.ts';
import type { AnnouncementRecord } from '../../src/store/announcements.ts';
import { findCallByCarrierId } from '../../src/store/calls.ts';
import { openIncident, resolveIncident } from '../../src/tickets/incidents.ts';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startTwilioLine, type TwilioLine } from '../support/fake-twilio/line.ts';
import { startAsteriskLine, type AsteriskLine } from '../support/fake-asterisk/line.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

const AT = '2026-11-18T10:00:00Z';
const at = new Date(AT);
const FOLDER = 'support-line-announcements';
/** ACME's engineer on site calls from a mobile: the one caller a text can reach. */
const ACME_MOBILE = '+447700900555';
const { cat4, cat1 } = CUSTOMERS;
const sounds = mkdtempSync(join(tmpdir(), 'sl-announce-scenario-'));

let incidentId = '';
let bath: AnnouncementRecord;
let maintenance: AnnouncementRecord;
let cat4Line: AnnouncementRecord;
const tickets = { division: 'england-and-wales' as const, routing: { dutyManagerPhone: null, sms: true, webhook: false } };

beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  await fresh.db.query(`insert into account_phones (phone, account_id) select $1, id from accounts where number = $2`, [ACME_MOBILE, cat4.number]);
  const deps = { db: fresh.db, sounds: { dir: sounds, folder: FOLDER }, warn: () => undefined };
  incidentId = (await openIncident({ db: fresh.db, ...tickets }, { title: 'Bath exchange fault', actor: 'user:1', channel: 'console', at })).id;
  bath = await postAnnouncement(deps, {
    kind: 'incident',
    message: 'We know about a broadband fault affecting customers in Bath. Engineers are working on it; the next update is at 2 pm.',
    startsAt: new Date('2026-11-18T09:30:00Z'),
    endsAt: new Date('2026-11-18T18:00:00Z'),
    accounts: [cat4.number],
    incidentId,
    actor: 'user:1',
    at: new Date('2026-11-18T09:30:00Z'),
  });
  // Posted on Monday with the 48 hours' notice planned maintenance needs.
  maintenance = await postAnnouncement(deps, {
    kind: 'maintenance',
    message: 'Tonight from 10 pm we are upgrading our phone platform.',
    startsAt: new Date('2026-11-18T08:00:00Z'),
    endsAt: new Date('2026-11-19T06:00:00Z'),
    actor: 'user:1',
    at: new Date('2026-11-16T07:00:00Z'),
  });
  // Only for callers who dialled the Cat4 24-hour number, however the trunk writes it.
  cat4Line = await postAnnouncement(deps, {
    kind: 'incident',
    message: 'Our 24-hour line has a fault with call recording today.',
    startsAt: new Date('2026-11-18T09:00:00Z'),
    endsAt: new Date('2026-11-18T18:00:00Z'),
    dialledNumber: '+448081570024',
    actor: 'user:1',
    at: new Date('2026-11-18T09:00:00Z'),
  });
});
afterAll(() => rmSync(sounds, { recursive: true, force: true }));

async function joinedTicket(carrier: 'asterisk' | 'twilio', carrierCallId: string) {
  const call = await findCallByCarrierId(fresh.db, carrier, carrierCallId);
  const [ticket] = await fresh.db.query<{ reference: string; incident_id: string | null; timers: string }>(
    `select t.reference, t.incident_id, (select count(*) from sla_timers s where s.ticket_id = t.id) as timers from tickets t where t.id = $1`,
    [call?.ticketId],
  );
  return { call, ticket };
}

describe('over Asterisk (the announcement is the audio rendered when it was posted)', () => {
  let line: AsteriskLine | undefined;
  afterEach(async () => {
    const violations = line?.violations() ?? [];
    await line?.close();
    line = undefined;
    expect(violations).toEqual([]);
  });
  const start = async () => {
    line = await startAsteriskLine({ db: fresh.db, live: redis.store, at: AT });
    line.sim.soundDirs.set(FOLDER, sounds);
    return line;
  };

  it('ACME hears the maintenance notice after the greeting, the Bath fault after the PIN, presses 1 and is added', async () => {
    expect(bath.sound).toBe(`${FOLDER}/${bath.id}`);
    const { sim } = await start();
    const caller = sim.call({ from: ACME_MOBILE });
    await caller
      .hears('greeting', `sound:${maintenance.sound}`, 'enter-pin')
      .presses(`${cat4.pin}#`)
      .hears(`sound:${bath.sound}`, 'announcement-join')
      .presses('1')
      .hears('incident-joined', 'ticket-reference', 'goodbye')
      .isHungUp();
    const { call, ticket } = await joinedTicket('asterisk', caller.channelId);
    expect(call).toMatchObject({ outcome: 'informed', endReason: 'joined-incident' });
    expect(ticket).toMatchObject({ incident_id: incidentId, timers: '0' });
  });

  it('a caller who dialled the 24-hour number (the trunk gives it nationally) hears its announcement; others do not', async () => {
    const { sim } = await start();
    const caller = sim.call({ from: cat1.phone, to: '08081570024' });
    await caller.hears('greeting', `sound:${maintenance.sound}`, `sound:${cat4Line.sound}`, 'enter-pin').hangsUp();
    const main = sim.call({ from: cat1.phone });
    await main.hears('greeting', 'enter-pin').hangsUp();
    expect(main.transcript).not.toContain(`sound:${cat4Line.sound}`);
  });

  it('Castle Vets, outside its scope, hears only the maintenance notice and goes to the menu', async () => {
    const { sim } = await start();
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('greeting', `sound:${maintenance.sound}`, 'enter-pin').presses(`${cat1.pin}#`).hears('main-menu');
    expect(caller.transcript).not.toContain(`sound:${bath.sound}`);
    expect(caller.transcript).not.toContain('announcement-join');
    await caller.hangsUp();
  });
});

describe('over Twilio (the announcement is said with <Say>)', () => {
  let line: TwilioLine | undefined;
  afterEach(async () => {
    await line?.close();
    line = undefined;
  });

  it('ACME presses 1 at the Bath announcement and is added; a second caller presses 2 and carries on to the menu', async () => {
    line = await startTwilioLine({ db: fresh.db, live: redis.store, at: AT });
    const caller = line.sim.call({ from: cat4.phone });
    await caller
      .hears('greeting', maintenance.message, 'enter-pin')
      .presses(`${cat4.pin}#`)
      .hears(bath.message, 'announcement-join')
      .presses('1')
      .hears('incident-joined', 'ticket-reference', 'goodbye');
    const { ticket } = await joinedTicket('twilio', caller.callSid);
    expect(ticket).toMatchObject({ incident_id: incidentId, timers: '0' });

    const other = line.sim.call({ from: cat4.phone });
    await other.hears('enter-pin').presses(`${cat4.pin}#`).hears(bath.message, 'announcement-join').presses('2').hears('main-menu');
  });

  it('Castle Vets, outside its scope, does not hear it', async () => {
    line = await startTwilioLine({ db: fresh.db, live: redis.store, at: AT });
    const caller = line.sim.call({ from: cat1.phone });
    await caller.hears('greeting', maintenance.message, 'enter-pin').presses(`${cat1.pin}#`).hears('main-menu');
    expect(caller.heard.join('\n')).not.toContain(bath.message);
    expect(caller.heard.join('\n')).not.toContain(PROMPTS['announcement-join']);
  });
});

describe('the incident is resolved', () => {
  it('its parent and the two joined tickets are resolved in one audited action; the caller on a mobile is texted', async () => {
    const result = await resolveIncident({ db: fresh.db, ...tickets }, { incidentId, actor: 'user:1', at: new Date('2026-11-18T15:00:00Z'), text: true });
    expect(result.resolved).toHaveLength(3);
    const statuses = await fresh.db.query<{ status: string }>('select status from tickets where incident_id = $1', [incidentId]);
    expect(statuses.map((s) => s.status)).toEqual(['resolved', 'resolved']);
    expect(result.texted).toBe(1);
    const [text] = await fresh.db.query<{ recipient: string; payload: { text: string } }>(`select recipient, payload from notifications where kind = 'incident_resolved'`);
    expect(text!.recipient).toBe(ACME_MOBILE);
    expect(text!.payload.text).toMatch(/is fixed: Bath exchange fault/);
    const audits = await fresh.db.query(`select 1 from audit_log where action = 'incident.resolved'`);
    expect(audits).toHaveLength(1);
  });
});
