// Schema migrations: migrations/NNN_name.sql, applied in order, one transaction each,
// recorded with a checksum so an edited migration is noticed instead of silently skipped.
// A session advisory lock makes two instances starting at once take turns.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';
import { MigrationChecksumError } from './errors.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Any fixed key will do; this one is ours (the bytes of "SLmigr" as an int8). */
const MIGRATION_LOCK_KEY = '91587718244210';

const FILE_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

/** The migrations in `dir`, in order; a badly named or duplicated file is an error. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file ${file} is not named NNN_name.sql`);
    // Line endings are not content: a checkout with CRLF must not look edited.
    const sql = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    const version = Number(match[1]);
    const clash = migrations.find((m) => m.version === version);
    if (clash) throw new Error(`migrations ${clash.file} and ${file} share version ${version}`);
    migrations.push({ version, name: match[2] ?? '', file, sql, checksum: sha256(sql) });
  }
  return migrations;
}

/** Applies the migrations not yet applied; returns the files it applied, in order. */
export async function migrate(db: Db, dir: string = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = readMigrations(dir);
  return db.session(async (conn) => {
    await conn.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(conn, migrations);
    } finally {
      await conn.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  });
}

async function applyPending(conn: Db, migrations: Migration[]): Promise<{ applied: string[] }> {
  await conn.query(`
    create table if not exists schema_migrations (
      version     integer primary key,
      name        text not null,
      checksum    text not null,
      applied_at  timestamptz not null default now()
    )`);
  const done = await conn.query<{ version: number; checksum: string }>(
    'select version, checksum from schema_migrations order by version',
  );
  const doneChecksum = new Map(done.map((row) => [row.version, row.checksum]));

  // Refuse before applying anything: the schema we would build on is not the one the files describe.
  for (const m of migrations) {
    const checksum = doneChecksum.get(m.version);
    if (checksum !== undefined && checksum !== m.checksum) throw new MigrationChecksumError(m.file);
  }

  const applied: string[] = [];
  for (const m of migrations) {
    if (doneChecksum.has(m.version)) continue;
    try {
      await conn.tx(async (tx) => {
        await tx.query(m.sql);
        await tx.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
      });
    } catch (err) {
      throw new Error(`migration ${m.file} failed: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    applied.push(m.file);
  }
  return { applied };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
