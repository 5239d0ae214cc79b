// Announcements and incidents, for supervisors:
//   GET  /announcements            live ones (?all=true: every one, newest first)
//   POST /announcements            post one (planned maintenance: 48 hours' notice)
//   POST /announcements/{id}/withdraw
//   GET  /incidents, POST /incidents, POST /incidents/{id}/link, POST /incidents/{id}/resolve
import { z } from 'zod';
import { postAnnouncement, withdraw } from '../../announcements/post.ts';
import { soundTargetOf } from '../../announcements/render.ts';
import { ANNOUNCEMENT_KINDS, SERVICES } from '../../domain/announcements/rules.ts';
import { TIERS } from '../../domain/contracts.ts';
import { listAnnouncements } from '../../store/announcements.ts';
import { linkTicket, listIncidents, openIncident, resolveIncident } from '../../tickets/incidents.ts';
import { SUPERVISORS } from '../auth/guards.ts';
import { actorOf } from '../auth/session.ts';
import { idParam, instant, text } from './inputs.ts';
import { ticketDepsOf } from './ownership.ts';
import { route, type ApiRoute } from './route-table.ts';

const date = z.string().describe('ISO 8601 instant');

export const newAnnouncementBody = z.object({
  kind: z.enum(ANNOUNCEMENT_KINDS).describe('incident, or planned maintenance (at least 48 hours ahead)'),
  message: text(600).describe('What callers hear, e.g. "We know about a broadband fault affecting customers in Bath."'),
  startsAt: instant,
  endsAt: instant,
  accounts: z.array(z.string().regex(/^[0-9]{1,12}$/, 'must be an account number')).min(1).max(500).optional().describe('Only these accounts (numbers)'),
  service: z.enum(SERVICES).optional().describe('Only accounts taking this service'),
  dialledNumber: z.string().max(32).optional().describe('Only callers who dialled this line number'),
  incidentId: idParam.optional().describe('Callers may press 1 to join this incident'),
});

const announcementSchema = z
  .object({
    id: z.string(),
    kind: z.enum(ANNOUNCEMENT_KINDS),
    message: z.string(),
    startsAt: date,
    endsAt: date,
    accountIds: z.array(z.string()).nullable(),
    service: z.enum(SERVICES).nullable(),
    dialledNumber: z.string().nullable(),
    incidentId: z.string().nullable(),
    sound: z.string().nullable().describe('The Asterisk sound rendered when posted; null: Asterisk says a generic announcement'),
    createdBy: z.string(),
    createdAt: date,
    withdrawnAt: date.nullable(),
    withdrawnBy: z.string().nullable(),
  })
  .meta({ id: 'Announcement' });

const incidentSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    ticketId: z.string(),
    reference: z.string(),
    status: z.string(),
    createdBy: z.string(),
    createdAt: date,
    resolvedAt: date.nullable(),
    resolvedBy: z.string().nullable(),
    children: z.number(),
  })
  .meta({ id: 'Incident' });

export const announcementRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/announcements',
    operationId: 'listAnnouncements',
    summary: 'Announcements callers hear now or later (all=true: also withdrawn and past ones)',
    tag: 'incidents',
    roles: SUPERVISORS,
    query: z.object({ all: z.enum(['true', 'false']).optional() }),
    response: z.array(announcementSchema),
    handler: ({ deps, query }) => listAnnouncements(deps.db, query.all === 'true' ? {} : { live: deps.now() }),
  }),
  route({
    method: 'post',
    path: '/announcements',
    operationId: 'postAnnouncement',
    summary: 'Post an announcement callers hear right after the greeting; its audio is rendered for Asterisk now',
    tag: 'incidents',
    roles: SUPERVISORS,
    body: newAnnouncementBody,
    status: 201,
    response: announcementSchema,
    handler: ({ deps, auth, body }) =>
      postAnnouncement(
        { db: deps.db, sounds: soundTargetOf(deps.config), warn: (detail, message) => deps.logger.warn(detail, message) },
        { ...body, actor: actorOf(auth), at: deps.now() },
      ),
  }),
  route({
    method: 'post',
    path: '/announcements/{id}/withdraw',
    operationId: 'withdrawAnnouncement',
    summary: 'Stop an announcement now',
    tag: 'incidents',
    roles: SUPERVISORS,
    params: z.object({ id: idParam }),
    response: z.object({ withdrawn: z.string() }),
    handler: async ({ deps, auth, params }) => {
      await withdraw({ db: deps.db }, { id: params.id, actor: actorOf(auth), at: deps.now() });
      return { withdrawn: params.id };
    },
  }),
  route({
    method: 'get',
    path: '/incidents',
    operationId: 'listIncidents',
    summary: 'Incidents, newest first, with how many callers’ tickets joined each',
    tag: 'incidents',
    roles: SUPERVISORS,
    response: z.array(incidentSchema),
    handler: ({ deps }) => listIncidents(deps.db),
  }),
  route({
    method: 'post',
    path: '/incidents',
    operationId: 'openIncident',
    summary: 'Open an incident: a parent ticket with one SLA clock (a critical fault of the tier given, Cat4 by default)',
    tag: 'incidents',
    roles: SUPERVISORS,
    body: z.object({ title: text(200), tier: z.enum(TIERS).optional() }),
    status: 201,
    response: incidentSchema,
    handler: ({ deps, auth, body }) => openIncident(ticketDepsOf(deps), { ...body, actor: actorOf(auth), channel: 'api', at: deps.now() }),
  }),
  route({
    method: 'post',
    path: '/incidents/{id}/link',
    operationId: 'linkTicketToIncident',
    summary: 'Join a caller’s ticket to the incident',
    tag: 'incidents',
    roles: SUPERVISORS,
    params: z.object({ id: idParam }),
    body: z.object({ reference: z.string().regex(/^[0-9]{1,12}$/, 'must be a ticket reference') }),
    response: z.object({ linked: z.string() }),
    handler: async ({ deps, auth, params, body }) => {
      await linkTicket(ticketDepsOf(deps), { incidentId: params.id, reference: body.reference, actor: actorOf(auth), at: deps.now() });
      return { linked: body.reference };
    },
  }),
  route({
    method: 'post',
    path: '/incidents/{id}/resolve',
    operationId: 'resolveIncident',
    summary: 'Resolve the incident and every open ticket joined to it, in one audited action; text=true texts each caller who joined',
    tag: 'incidents',
    roles: SUPERVISORS,
    params: z.object({ id: idParam }),
    body: z.object({ note: text(500).optional(), text: z.boolean().default(false) }),
    response: z.object({ incidentId: z.string(), resolved: z.array(z.string()), texted: z.number() }),
    handler: ({ deps, auth, params, body }) =>
      resolveIncident(ticketDepsOf(deps), { incidentId: params.id, actor: actorOf(auth), at: deps.now(), note: body.note, text: body.text }),
  }),
];
