// Keeping personal data no longer than needed (UK GDPR, storage limitation):
//  - voicemail recordings older than RECORDING_RETENTION_DAYS (default 90) are deleted
//    where the carrier keeps them (Asterisk: DELETE /ari/recordings/stored/{name};
//    Twilio: DELETE on the recording's URL) and the call and ticket forget their name;
//    with no carrier configured to delete it, the reference is cleared and the purge
//    recorded so a person can delete the file where it is;
//  - caller numbers older than CALLER_NUMBER_RETENTION_DAYS (default 365) are blanked on
//    the call, its timeline, its ticket's summary and the PIN audit entries;
//  - the outbox's replay claims (outbox_applied) older than 30 days are dropped.
// Each purge is in the audit log. Safe with several instances: a recording is deleted
// at the carrier first (a 404 counts as gone) and the row is changed only if it still
// names that recording, so exactly one instance records each purge.
import type { Logger } from 'pino';
import { ariBaseUrl } from '../carriers/ari/client.ts';
import type { Config } from '../config.ts';
import { isTwilioRecordingUrl } from '../http/console/recordings.ts';
import type { Component, Line } from '../runtime.ts';
import { audit } from '../store/audit.ts';
import type { Db } from '../store/db.ts';

const ACTOR = 'worker:retention';
const DAY_MS = 86_400_000;
const OUTBOX_CLAIM_DAYS = 30;
const PURGED = 'purged';
const DELETE_TIMEOUT_MS = 10_000;

export type RecordingFate = 'deleted' | 'already-gone' | 'reference-cleared';

/** Deletes a recording where its carrier keeps it. Throws when the carrier fails (tried again next run). */
export type RecordingDeleter = (call: { carrier: string; recordingName: string }) => Promise<RecordingFate>;

export function carrierRecordingDeleter(config: Config, fetchImpl: typeof fetch = fetch): RecordingDeleter {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  async function remove(url: string, authorization: string): Promise<RecordingFate> {
    const res = await fetchImpl(url, { method: 'DELETE', headers: { authorization }, signal: AbortSignal.timeout(DELETE_TIMEOUT_MS) });
    if (res.status === 404) return 'already-gone';
    if (!res.ok) throw new Error(`DELETE ${new URL(url).pathname} answered ${res.status}`);
    return 'deleted';
  }
  return async ({ carrier, recordingName }) => {
    if (carrier === 'asterisk' && config.ARI_URL && config.ARI_USERNAME && config.ARI_PASSWORD) {
      return remove(`${ariBaseUrl(config.ARI_URL)}/recordings/stored/${encodeURIComponent(recordingName)}`, basic(config.ARI_USERNAME, config.ARI_PASSWORD));
    }
    if (carrier === 'twilio' && config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && isTwilioRecordingUrl(recordingName)) {
      return remove(recordingName, basic(config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN));
    }
    return 'reference-cleared';
  };
}

export interface RetentionOptions {
  db: Db;
  deleteRecording: RecordingDeleter;
  recordingDays: number;
  callerNumberDays: number;
  logger: Logger;
  batchSize?: number;
}

export interface PurgeResult {
  recordings: Record<RecordingFate, number>;
  /** Recordings the carrier failed to delete (tried again next run). */
  failed: number;
  callerNumbers: number;
  outboxClaims: number;
}

/** One pass at `now`. */
export async function purgeExpired(opts: RetentionOptions, now: Date): Promise<PurgeResult> {
  const result: PurgeResult = { recordings: { deleted: 0, 'already-gone': 0, 'reference-cleared': 0 }, failed: 0, callerNumbers: 0, outboxClaims: 0 };
  const batch = opts.batchSize ?? 200;
  const recordingsBefore = new Date(now.getTime() - opts.recordingDays * DAY_MS);
  const numbersBefore = new Date(now.getTime() - opts.callerNumberDays * DAY_MS);
  const log = opts.logger.child({ worker: 'retention' });

  // Recordings: by call, oldest first, a batch at a time; a failed one is skipped this run.
  let after: { startedAt: Date; id: string } | null = null;
  for (;;) {
    const rows: { id: string; carrier: string; recording_name: string; started_at: Date }[] = await opts.db.query(
      `select id, carrier, recording_name, started_at from calls
        where recording_name is not null and started_at < $1
          and ($2::timestamptz is null or (started_at, id) > ($2, $3::uuid))
        order by started_at, id limit $4`,
      [recordingsBefore, after?.startedAt ?? null, after?.id ?? null, batch],
    );
    for (const row of rows) {
      let fate: RecordingFate;
      try {
        fate = await opts.deleteRecording({ carrier: row.carrier, recordingName: row.recording_name });
      } catch (err) {
        result.failed += 1;
        log.warn({ err, callId: row.id, carrier: row.carrier }, 'could not delete an expired recording; trying again next run');
        continue;
      }
      const purged = await opts.db.tx(async (tx) => {
        const changed = await tx.query('update calls set recording_name = null where id = $1 and recording_name = $2 returning id', [row.id, row.recording_name]);
        if (changed.length === 0) return false; // another instance got there first
        const tickets = await tx.query<{ id: string }>(
          'update tickets set recording_name = null, updated_at = $2 where call_id = $1 and recording_name is not null returning id',
          [row.id, now],
        );
        for (const t of tickets) {
          await tx.query(`insert into ticket_events (ticket_id, at, actor, type, detail) values ($1, $2, $3, 'recording_purged', $4::jsonb)`, [
            t.id,
            now,
            ACTOR,
            JSON.stringify({ fate, retentionDays: opts.recordingDays }),
          ]);
        }
        await audit(tx, {
          actor: ACTOR,
          action: 'recording.purged',
          entity: 'call',
          entityId: row.id,
          detail: { carrier: row.carrier, recordingName: row.recording_name, fate, callStartedAt: row.started_at.toISOString(), retentionDays: opts.recordingDays },
          at: now,
        });
        return true;
      });
      if (purged) result.recordings[fate] += 1;
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < batch) break;
    after = { startedAt: last.started_at, id: last.id };
  }

  // Caller numbers: the call, its timeline's start, its ticket's summary.
  for (;;) {
    const ids = await opts.db.tx(async (tx) => {
      const rows = await tx.query<{ id: string }>(
        `update calls set from_number = $3 where id in (
           select id from calls where started_at < $1 and from_number <> $3 order by started_at limit $2 for update skip locked)
         returning id`,
        [numbersBefore, batch, PURGED],
      );
      const list = rows.map((r) => r.id);
      if (list.length === 0) return list;
      await tx.query(`update call_events set detail = detail - 'from' where call_id = any($1::uuid[]) and detail ? 'from'`, [list]);
      await tx.query(
        `update tickets set summary = regexp_replace(summary, '\\+?[0-9][0-9 ]{5,}[0-9]', '[number removed]', 'g')
          where call_id = any($1::uuid[]) and summary ~ '[0-9]{6}'`,
        [list],
      );
      return list;
    });
    result.callerNumbers += ids.length;
    if (ids.length < batch) break;
  }
  await opts.db.query(
    `update audit_log set detail = jsonb_set(detail, '{callerPhone}', to_jsonb($2::text))
      where action like 'pin.%' and at < $1 and detail ? 'callerPhone' and detail->>'callerPhone' <> $2`,
    [numbersBefore, PURGED],
  );

  const claims = await opts.db.query('delete from outbox_applied where applied_at < $1 returning id', [new Date(now.getTime() - OUTBOX_CLAIM_DAYS * DAY_MS)]);
  result.outboxClaims = claims.length;

  const recordings = Object.values(result.recordings).reduce((a, b) => a + b, 0);
  if (recordings + result.callerNumbers > 0) {
    await audit(opts.db, {
      actor: ACTOR,
      action: 'retention.run',
      entity: 'retention',
      entityId: null,
      detail: { ...result, recordingDays: opts.recordingDays, callerNumberDays: opts.callerNumberDays },
      at: now,
    });
    log.info({ ...result }, 'expired personal data purged');
  }
  return result;
}

const EVERY_MS = 6 * 3600_000;

/** The purge as a part of a running line: at start and every six hours. */
export function retentionComponent(line: Line, opts: { deleteRecording?: RecordingDeleter; clock?: () => Date } = {}): Component {
  const clock = opts.clock ?? line.clock;
  const options: RetentionOptions = {
    db: line.db,
    deleteRecording: opts.deleteRecording ?? carrierRecordingDeleter(line.config),
    recordingDays: line.config.RECORDING_RETENTION_DAYS,
    callerNumberDays: line.config.CALLER_NUMBER_RETENTION_DAYS,
    logger: line.logger,
  };
  let last: { at: Date | null; error: string | null } = { at: null, error: null };
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= purgeExpired(options, clock())
      .then(
        () => void (last = { at: clock(), error: null }),
        (err: unknown) => {
          last = { at: clock(), error: err instanceof Error ? err.message : String(err) };
          line.logger.error({ err, worker: 'retention' }, 'retention run failed; trying again later');
        },
      )
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(run, 30_000);
  const timer = setInterval(run, EVERY_MS);
  first.unref();
  timer.unref();
  return {
    name: 'retention',
    checks: () => [
      {
        name: 'retention',
        optional: true,
        run: async () => ({
          ok: last.error === null,
          detail: last.error ? `last run failed: ${last.error}` : last.at ? `last run ${last.at.toISOString()}` : 'first run 30 s after start',
        }),
      },
    ],
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
