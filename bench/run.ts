// npm run bench [-- --smoke] [--only flow,ari,twilio,sla,db] [--fresh] [--no-profile] [--out DIR]
//
// Runs the benchmarks against the local Postgres and Redis, prints the Markdown table
// and writes results.json (git-ignored) and results.md to bench/ (a smoke run writes
// to a temporary folder unless --out says otherwise, so it never replaces real figures).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECTIONS, isSectionName, type BenchOptions, type SectionName } from './context.ts';
import { runBench } from './harness.ts';
import { pinKeysFrom, usePinKeys } from '../src/store/pin-hash.ts';

const USAGE = `usage: npm run bench -- [--smoke] [--only ${SECTIONS.join(',')}] [--fresh] [--no-profile] [--out DIR]`;

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  let smoke = false;
  let fresh = false;
  let profile = true;
  let outDir: string | null = null;
  const only: SectionName[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--smoke') smoke = true;
    else if (arg === '--fresh') fresh = true;
    else if (arg === '--no-profile') profile = false;
    else if (arg === '--out') outDir = value();
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg.startsWith('--only=') ? arg.slice('--only='.length) : value();
      for (const name of list.split(',').map((s) => s.trim()).filter(Boolean)) {
        if (!isSectionName(name)) throw new UsageError(`unknown section "${name}" (sections: ${SECTIONS.join(', ')})`);
        if (!only.includes(name)) only.push(name);
      }
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return {
    smoke,
    fresh,
    profile,
    only: only.length > 0 ? only : [...SECTIONS],
    outDir: outDir ?? (smoke ? join(tmpdir(), 'support-line-bench-smoke') : fileURLToPath(new URL('.', import.meta.url))),
    databaseUrl: env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  };
}

class UsageError extends Error {}

/** The PIN key of the bench process and its line processes (not the tests' key). */
export const BENCH_PIN_KEY = 'benchmark-pin-key-not-a-secret-0123456789';

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  // The line processes and the accounts seeded here hash PINs under the same key.
  process.env['PIN_KEY'] ??= BENCH_PIN_KEY;
  usePinKeys(pinKeysFrom([process.env['PIN_KEY']]));
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  const run = await runBench(options, command, (m) => process.stderr.write(`${m}\n`));
  process.stdout.write(`\n${run.markdown}\n`);
  process.stderr.write(`bench: wrote ${run.jsonPath} and ${run.markdownPath} in ${run.results.seconds} s\n`);
  const failed = Object.entries(run.results.sections).filter(([, o]) => o.status === 'failed');
  // Pool handles and child processes are all closed; exit explicitly all the same.
  process.exit(failed.length > 0 ? 1 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
