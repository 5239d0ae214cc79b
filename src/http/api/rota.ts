// The on-call rota: who covers which hours at each level, the escalation order now
// and next, and any gap in Cat4 cover (no primary on call) in the next 14 days; as
// a timeline, lanes of cover per level over a window of days. Everyone may read it;
// supervisors lay overrides over it; only admins change the ordinary shifts.
import { z } from 'zod';
import { onCallAt, ROTA_LEVELS, type RotaLevel, type RotaShift } from '../../domain/escalation.ts';
import { primaryCoverGaps, type CoverGap } from '../../domain/rota-gaps.ts';
import { coverLanes } from '../../domain/rota-timeline.ts';
import { audit } from '../../store/audit.ts';
import { listEngineers, type EngineerRecord } from '../../store/engineers.ts';
import { addShift, listShifts, removeShift, type ShiftRecord } from '../../store/rota.ts';
import type { SessionUser } from '../../store/sessions.ts';
import { ValidationError } from '../../store/errors.ts';
import { actorOf } from '../auth/session.ts';
import { ADMINS, EVERYONE, SUPERVISORS } from '../auth/guards.ts';
import { notFound } from '../errors.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { localDate as localDateOf, startOfLocalDay } from '../console/format.ts';
import { checkbox, idParam, instant, localDate } from './inputs.ts';
import { isRowId } from '../../domain/input-rules.ts';
import { route, type ApiRoute } from './route-table.ts';

export const GAP_HORIZON_DAYS = 14;
const DAY_MS = 86_400_000;

export interface NamedShift extends ShiftRecord {
  engineerName: string;
  engineerActive: boolean;
}

export interface OnCallLevel {
  level: RotaLevel;
  engineers: { id: string; name: string; until: Date }[];
}

/** One stretch of a timeline lane: the same people on call throughout. */
export interface LaneSegment {
  from: Date;
  to: Date;
  engineers: { id: string; name: string }[];
  override: boolean;
}

export interface RotaView {
  from: Date;
  to: Date;
  days: number;
  shifts: NamedShift[];
  engineers: EngineerRecord[];
  /** Gaps in primary cover from now for GAP_HORIZON_DAYS. */
  gaps: CoverGap[];
  /** Who covers each level across [from, to), as the escalation would ring them. */
  lanes: { level: RotaLevel; segments: LaneSegment[] }[];
  /** Gaps in primary cover across [from, to), for the timeline. */
  windowGaps: CoverGap[];
  /** The clock's now, for the timeline's marker. */
  at: Date;
  now: OnCallLevel[];
  /** Who takes over at the next change of cover, and when. */
  next: { at: Date; levels: OnCallLevel[] } | null;
}

const rotaShift = (s: ShiftRecord): RotaShift => ({ engineerId: s.engineerId, level: s.level, startsAt: s.startsAt, endsAt: s.endsAt, isOverride: s.isOverride });

function levelsAt(shifts: readonly NamedShift[], at: Date, active: ReadonlySet<string>): OnCallLevel[] {
  const covering = onCallAt(shifts.filter((s) => active.has(s.engineerId)).map(rotaShift), at);
  const byKey = new Map(shifts.map((s) => [`${s.engineerId}|${s.level}|${s.startsAt.getTime()}`, s]));
  return ROTA_LEVELS.map((level) => ({
    level,
    engineers: covering[level].map((r) => {
      const s = byKey.get(`${r.engineerId}|${r.level}|${r.startsAt.getTime()}`);
      return { id: r.engineerId, name: s?.engineerName ?? r.engineerId, until: r.endsAt };
    }),
  }));
}

/** The rota from `fromDate` (UK day; default today) for `days` days, with now, next and the gaps. */
export async function rotaView(deps: ConsoleDeps, opts: { fromDate?: string; days?: number } = {}): Promise<RotaView> {
  const now = deps.now();
  const days = opts.days ?? 14;
  const from = startOfLocalDay(opts.fromDate ?? localDateOf(now));
  const to = new Date(from.getTime() + days * DAY_MS + 2 * 3_600_000); // a DST day is 25 hours long
  const horizon = new Date(now.getTime() + GAP_HORIZON_DAYS * DAY_MS);
  const windowFrom = new Date(Math.min(from.getTime(), now.getTime()));
  const windowTo = new Date(Math.max(to.getTime(), horizon.getTime()));
  const [engineers, all] = await Promise.all([listEngineers(deps.db), listShifts(deps.db, { from: windowFrom, to: windowTo })]);
  const names = new Map(engineers.map((e) => [e.id, e]));
  const named: NamedShift[] = all.map((s) => ({
    ...s,
    engineerName: names.get(s.engineerId)?.name ?? `engineer ${s.engineerId}`,
    engineerActive: names.get(s.engineerId)?.active ?? false,
  }));
  const active = new Set(engineers.filter((e) => e.active).map((e) => e.id));
  const gaps = primaryCoverGaps(named.map(rotaShift), now, horizon, active);

  // The next change of cover: the soonest start or end after now.
  const changes = named.flatMap((s) => [s.startsAt, s.endsAt]).filter((d) => d > now).sort((a, b) => a.getTime() - b.getTime());
  const nextAt = changes[0] ?? null;
  const end = startOfLocalDay(addLocalDays(localDateOf(from), days));
  const lanes = coverLanes(named.map(rotaShift), from, end, active);
  const nameOf = (id: string) => names.get(id)?.name ?? `engineer ${id}`;
  return {
    from,
    to: end,
    days,
    at: now,
    lanes: ROTA_LEVELS.map((level) => ({
      level,
      segments: lanes[level].map((seg) => ({ from: seg.from, to: seg.to, override: seg.override, engineers: seg.engineerIds.map((id) => ({ id, name: nameOf(id) })) })),
    })),
    windowGaps: primaryCoverGaps(named.map(rotaShift), from, end, active),
    shifts: named.filter((s) => s.endsAt > from && s.startsAt < to),
    engineers,
    gaps,
    now: levelsAt(named, now, active),
    next: nextAt ? { at: nextAt, levels: levelsAt(named, nextAt, active) } : null,
  };
}

/** `YYYY-MM-DD` plus `n` UK calendar days (a DST day is 23 or 25 hours). */
function addLocalDays(date: string, n: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export const newShiftBody = z.object({
  engineerId: idParam.describe('The engineer’s id'),
  level: z.enum(ROTA_LEVELS),
  from: instant,
  to: instant,
  isOverride: checkbox.describe('A one-off swap laid over the regular rota'),
  note: z.string().trim().max(200).optional(),
});

export async function addShiftAs(deps: ConsoleDeps, auth: SessionUser, input: z.output<typeof newShiftBody>): Promise<ShiftRecord> {
  if (input.to <= input.from) throw new ValidationError('to must be after from', 'to');
  const shift = await deps.db.tx(async (tx) => {
    const created = await addShift(tx, {
      engineerId: input.engineerId,
      level: input.level,
      from: input.from,
      to: input.to,
      isOverride: input.isOverride,
      note: input.note || null,
    });
    await audit(tx, {
      actor: actorOf(auth),
      action: 'rota.shift-added',
      entity: 'rota_shift',
      entityId: created.id,
      detail: { engineerId: created.engineerId, level: created.level, from: created.startsAt, to: created.endsAt, isOverride: created.isOverride },
    });
    return created;
  });
  return shift;
}

export async function removeShiftAs(deps: ConsoleDeps, auth: SessionUser, id: string): Promise<void> {
  await deps.db.tx(async (tx) => {
    const removed = await removeShift(tx, id);
    if (!removed) throw notFound('no such shift');
    await audit(tx, {
      actor: actorOf(auth),
      action: 'rota.shift-removed',
      entity: 'rota_shift',
      entityId: id,
      detail: { engineerId: removed.engineerId, level: removed.level, from: removed.startsAt, to: removed.endsAt },
    });
  });
}

/** An override as the console's form and the API take it: who, at which level, from when to when. */
export const overrideBody = z.object({
  engineerId: z.string({ error: 'choose an engineer' }).refine(isRowId, 'choose an engineer'),
  level: z.enum(ROTA_LEVELS, { error: 'choose primary, secondary or manager' }),
  from: instant,
  to: instant,
  note: z.string().trim().max(200, 'must be at most 200 characters').optional(),
});

/** The form's names for the fields, for error messages a supervisor reads. */
export const OVERRIDE_FIELDS: Record<string, string> = { engineerId: 'Engineer', level: 'Role', from: 'Start', to: 'End', note: 'Note' };

const MAX_OVERRIDE_DAYS = 31;

/** Lays an override over the rota: refused (changing nothing) if it is back to front, over, too long, or for an engineer who cannot be rung. */
export async function addOverrideAs(deps: ConsoleDeps, auth: SessionUser, input: z.output<typeof overrideBody>): Promise<ShiftRecord> {
  if (input.to <= input.from) throw new ValidationError('End must be after the start', 'to');
  if (input.to <= deps.now()) throw new ValidationError('End is already past: an override changes who is rung from now on', 'to');
  if (input.to.getTime() - input.from.getTime() > MAX_OVERRIDE_DAYS * DAY_MS) {
    throw new ValidationError(`An override lasts at most ${MAX_OVERRIDE_DAYS} days; change the ordinary rota instead`, 'to');
  }
  return deps.db.tx(async (tx) => {
    const [engineer] = await tx.query<{ name: string }>('select name from engineers where id = $1 and active', [input.engineerId]);
    if (!engineer) throw new ValidationError('No engineer on the rota has that id (or they have left)', 'engineerId');
    const created = await addShift(tx, { engineerId: input.engineerId, level: input.level, from: input.from, to: input.to, isOverride: true, note: input.note || null });
    await audit(tx, {
      actor: actorOf(auth),
      action: 'rota.override-added',
      entity: 'rota_shift',
      entityId: created.id,
      detail: { engineerId: created.engineerId, name: engineer.name, level: created.level, from: created.startsAt, to: created.endsAt },
    });
    return created;
  });
}

/** Removes an override; an ordinary shift is not an override (404) and stays. */
export async function removeOverrideAs(deps: ConsoleDeps, auth: SessionUser, id: string): Promise<void> {
  await deps.db.tx(async (tx) => {
    const [row] = await tx.query('select 1 from rota_shifts where id = $1 and is_override for update', [id]);
    if (!row) throw notFound('no such override');
    const removed = await removeShift(tx, id);
    if (!removed) throw notFound('no such override');
    await audit(tx, {
      actor: actorOf(auth),
      action: 'rota.override-removed',
      entity: 'rota_shift',
      entityId: id,
      detail: { engineerId: removed.engineerId, level: removed.level, from: removed.startsAt, to: removed.endsAt },
    });
  });
}

// ---------------------------------------------------------------------------

const date = z.string().describe('ISO 8601 instant');
const shiftSchema = z
  .object({
    id: z.string(),
    engineerId: z.string(),
    engineerName: z.string(),
    level: z.enum(ROTA_LEVELS),
    startsAt: date,
    endsAt: date,
    isOverride: z.boolean(),
    note: z.string().nullable(),
  })
  .meta({ id: 'Shift' });
const levelSchema = z.object({
  level: z.enum(ROTA_LEVELS),
  engineers: z.array(z.object({ id: z.string(), name: z.string(), until: date })),
});

/** The days a rota answer covers. */
const windowQuery = z.object({
  from: localDate.optional().describe('First day (UK); default today'),
  days: z.string().regex(/^\d{1,2}$/).transform(Number).pipe(z.number().int().min(1).max(42)).optional().describe('1–42, default 14'),
});
const windowOf = (q: z.output<typeof windowQuery>) => ({ ...(q.from ? { fromDate: q.from } : {}), ...(q.days ? { days: q.days } : {}) });

export const rotaRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/rota',
    operationId: 'getRota',
    summary: 'The rota for a window of days, who is on call now and next, and gaps in Cat4 cover',
    tag: 'rota',
    roles: EVERYONE,
    query: windowQuery,
    response: z.object({
      from: date,
      to: date,
      shifts: z.array(shiftSchema),
      gaps: z.array(z.object({ from: date, to: date })).describe(`No primary on call, within ${GAP_HORIZON_DAYS} days of now`),
      now: z.array(levelSchema),
      next: z.object({ at: date, levels: z.array(levelSchema) }).nullable(),
    }),
    async handler({ deps, query }) {
      const v = await rotaView(deps, windowOf(query));
      return {
        from: v.from,
        to: v.to,
        shifts: v.shifts.map(({ engineerActive: _a, ...s }) => s),
        gaps: v.gaps,
        now: v.now,
        next: v.next,
      };
    },
  }),
  route({
    method: 'post',
    path: '/rota/shifts',
    operationId: 'addShift',
    summary: 'Add a shift or an override (admins)',
    tag: 'rota',
    roles: ADMINS,
    body: newShiftBody,
    status: 201,
    response: shiftSchema.omit({ engineerName: true }),
    handler: ({ deps, auth, body }) => addShiftAs(deps, auth, body),
  }),
  route({
    method: 'delete',
    path: '/rota/shifts/{id}',
    operationId: 'removeShift',
    summary: 'Remove a shift (admins)',
    tag: 'rota',
    roles: ADMINS,
    params: z.object({ id: idParam }),
    status: 204,
    async handler({ deps, auth, params }) {
      await removeShiftAs(deps, auth, params.id);
      return undefined;
    },
  }),
  route({
    method: 'get',
    path: '/rota/timeline',
    operationId: 'getRotaTimeline',
    summary: 'Who covers each level (primary, secondary, manager) across a window of days, and the gaps in Cat4 cover in it',
    tag: 'rota',
    roles: EVERYONE,
    query: windowQuery,
    response: z.object({
      from: date,
      to: date,
      at: date.describe('The server clock: where the timeline draws "now"'),
      lanes: z.array(
        z.object({
          level: z.enum(ROTA_LEVELS),
          segments: z.array(z.object({ from: date, to: date, override: z.boolean(), engineers: z.array(z.object({ id: z.string(), name: z.string() })) })),
        }),
      ),
      gaps: z.array(z.object({ from: date, to: date })).describe('No primary on call within the window'),
      overrides: z.array(shiftSchema),
    }),
    async handler({ deps, query }) {
      const v = await rotaView(deps, windowOf(query));
      return {
        from: v.from,
        to: v.to,
        at: v.at,
        lanes: v.lanes,
        gaps: v.windowGaps,
        overrides: v.shifts.filter((s) => s.isOverride).map(({ engineerActive: _a, ...s }) => s),
      };
    },
  }),
  route({
    method: 'post',
    path: '/rota/overrides',
    operationId: 'addOverride',
    summary: 'Lay an override over the rota: this engineer takes this level from start to end (supervisors); audited',
    tag: 'rota',
    roles: SUPERVISORS,
    body: overrideBody,
    status: 201,
    response: shiftSchema.omit({ engineerName: true }),
    handler: ({ deps, auth, body }) => addOverrideAs(deps, auth, body),
  }),
  route({
    method: 'delete',
    path: '/rota/overrides/{id}',
    operationId: 'removeOverride',
    summary: 'Remove an override (supervisors); an ordinary shift is not found here; audited',
    tag: 'rota',
    roles: SUPERVISORS,
    params: z.object({ id: idParam }),
    status: 204,
    async handler({ deps, auth, params }) {
      await removeOverrideAs(deps, auth, params.id);
      return undefined;
    },
  }),
  route({
    method: 'get',
    path: '/engineers',
    operationId: 'listEngineers',
    summary: 'Engineers who can be put on the rota',
    tag: 'rota',
    roles: EVERYONE,
    response: z.array(z.object({ id: z.string(), name: z.string(), active: z.boolean() })),
    async handler({ deps }) {
      return (await listEngineers(deps.db)).map((e) => ({ id: e.id, name: e.name, active: e.active }));
    },
  }),
];
