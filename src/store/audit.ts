// The audit log: who changed what, for the console's history and for disputes.
import type { Db } from './db.ts';
import { requireText } from './validate.ts';

export interface AuditEntry {
  /** `user:<id>`, `cli`, `line`, `worker:sla`, … */
  actor: string;
  /** What was done, e.g. `closure.added`. */
  action: string;
  entity: string;
  entityId: string | null;
  detail?: Record<string, unknown>;
  /** Defaults to the database's clock. */
  at?: Date;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'at'>> {
  id: string;
  at: Date;
}

export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await db.query(
    `insert into audit_log (at, actor, action, entity, entity_id, detail)
     values (coalesce($1::timestamptz, now()), $2, $3, $4, $5, $6::jsonb)`,
    [
      entry.at ?? null,
      requireText(entry.actor, 'actor'),
      requireText(entry.action, 'action'),
      requireText(entry.entity, 'entity'),
      entry.entityId,
      JSON.stringify(entry.detail ?? {}),
    ],
  );
}

/** Latest first; narrowed to one entity (and one row of it) when given. */
export async function listAudit(
  db: Db,
  filter: { entity?: string; entityId?: string; limit?: number } = {},
): Promise<AuditRecord[]> {
  const rows = await db.query<{
    id: string;
    at: Date;
    actor: string;
    action: string;
    entity: string;
    entity_id: string | null;
    detail: Record<string, unknown>;
  }>(
    `select * from audit_log
      where ($1::text is null or entity = $1) and ($2::text is null or entity_id = $2)
      order by at desc, id desc limit $3`,
    [filter.entity ?? null, filter.entityId ?? null, Math.min(Math.max(filter.limit ?? 100, 1), 1000)],
  );
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    detail: r.detail,
  }));
}
