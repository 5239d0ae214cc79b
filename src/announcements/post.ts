// A supervisor posts an announcement (console, API or CLI): checked whole before
// anything is written, stored and audited in one transaction, then its audio rendered
// for Asterisk. A failed render leaves the announcement live: Twilio says its text
// and Asterisk the generic announcement-fallback prompt.
import { ANNOUNCEMENT_KINDS, SERVICES, draftProblem, type AnnouncementKind, type Service } from '../domain/announcements/rules.ts';
import { insertAnnouncement, setAnnouncementSound, withdrawAnnouncement, type AnnouncementRecord } from '../store/announcements.ts';
import { audit } from '../store/audit.ts';
import type { Db } from '../store/db.ts';
import { NotFoundError, ValidationError } from '../store/errors.ts';
import { isId, requireOneOf, requirePhone, requireText } from '../store/validate.ts';
import { renderAnnouncement, type SoundTarget } from './render.ts';

export interface AnnouncementDeps {
  db: Db;
  /** Null: no sounds folder configured (ANNOUNCEMENT_SOUNDS_DIR), so nothing is rendered. */
  sounds: SoundTarget | null;
  /** Told when the audio could not be rendered. */
  warn: (detail: Record<string, unknown>, message: string) => void;
}

export interface AnnouncementInput {
  kind: string;
  message: string;
  startsAt: Date;
  endsAt: Date;
  /** Account numbers (what supervisors know); absent → every account. */
  accounts?: readonly string[] | undefined;
  service?: string | undefined;
  dialledNumber?: string | undefined;
  incidentId?: string | undefined;
  actor: string;
  at: Date;
}

export async function postAnnouncement(deps: AnnouncementDeps, input: AnnouncementInput): Promise<AnnouncementRecord> {
  const kind: AnnouncementKind = requireOneOf(input.kind, ANNOUNCEMENT_KINDS, 'kind');
  const message = requireText(input.message, 'message');
  const problem = draftProblem({ kind, message, startsAt: input.startsAt, endsAt: input.endsAt }, input.at);
  if (problem) throw new ValidationError(problem.message, problem.field);
  const service: Service | null = input.service === undefined ? null : requireOneOf(input.service, SERVICES, 'service');
  const dialledNumber = input.dialledNumber === undefined ? null : requirePhone(input.dialledNumber, 'dialledNumber');
  const actor = requireText(input.actor, 'actor');
  const posted = await deps.db.tx(async (tx) => {
    const accountIds = input.accounts === undefined ? null : await accountIdsOf(tx, input.accounts);
    const incidentId = input.incidentId === undefined ? null : await openIncidentId(tx, input.incidentId);
    const record = await insertAnnouncement(tx, { kind, message, startsAt: input.startsAt, endsAt: input.endsAt, accountIds, service, dialledNumber, incidentId, createdBy: actor, at: input.at });
    await audit(tx, {
      actor,
      action: 'announcement.posted',
      entity: 'announcement',
      entityId: record.id,
      detail: { kind, startsAt: record.startsAt, endsAt: record.endsAt, accountIds, service, dialledNumber, incidentId },
      at: input.at,
    });
    return record;
  });
  if (!deps.sounds) return posted;
  try {
    const sound = await renderAnnouncement(deps.sounds, posted.id, message);
    await setAnnouncementSound(deps.db, posted.id, sound);
    return { ...posted, sound };
  } catch (err) {
    deps.warn({ err, announcementId: posted.id }, 'announcement audio not rendered: Asterisk callers hear the generic announcement instead');
    return posted;
  }
}

export async function withdraw(deps: Pick<AnnouncementDeps, 'db'>, input: { id: string; actor: string; at: Date }): Promise<void> {
  const actor = requireText(input.actor, 'actor');
  await deps.db.tx(async (tx) => {
    if (!(await withdrawAnnouncement(tx, input.id, actor, input.at))) throw new NotFoundError('live announcement', input.id);
    await audit(tx, { actor, action: 'announcement.withdrawn', entity: 'announcement', entityId: input.id, at: input.at });
  });
}

async function accountIdsOf(db: Db, numbers: readonly string[]): Promise<string[]> {
  if (numbers.length === 0) throw new ValidationError('accounts: give at least one account number, or none for everyone', 'accounts');
  const rows = await db.query<{ id: string; number: string }>('select id, number from accounts where number = any($1::text[])', [numbers]);
  const missing = numbers.filter((n) => !rows.some((r) => r.number === n));
  if (missing.length > 0) throw new ValidationError(`accounts: no account ${missing.join(', ')}`, 'accounts');
  return rows.map((r) => r.id);
}

async function openIncidentId(db: Db, id: string): Promise<string> {
  const [row] = isId(id) ? await db.query<{ resolved_at: Date | null }>('select resolved_at from incidents where id = $1', [id]) : [];
  if (!row) throw new ValidationError(`incidentId: no incident ${id}`, 'incidentId');
  if (row.resolved_at) throw new ValidationError(`incidentId: incident ${id} is already resolved`, 'incidentId');
  return id;
}
