// One schema over the environment, parsed once at start-up. A bad value stops the
// process with the variable's name and what is wrong; secrets are never printed.
import { isIP } from 'node:net';
import { z } from 'zod';
import { DIVISIONS } from './domain/calendar/bank-holidays.ts';
import { PIN_KEY_MIN_LENGTH } from './store/pin-hash.ts';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes'));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (!/^-?\d+$/.test(v)) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number, got "${v}"` });
        return z.NEVER;
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}, got ${n}` });
        return z.NEVER;
      }
      return n;
    });

/** Express's `trust proxy`: nobody, a hop count, or these addresses, ranges and names. */
export type TrustProxy = false | number | string[];

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(item: string): boolean {
  if (PROXY_NAMES.includes(item) || isIP(item) !== 0) return true;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(item);
  const family = m ? isIP(m[1]!) : 0;
  return family !== 0 && Number(m![2]) <= (family === 4 ? 32 : 128);
}

// Whose X-Forwarded-For (the client address the sign-in limit counts) and
// X-Forwarded-Proto (Secure cookies) are believed. `true` is refused: it believes any
// client, so anyone could pose as a fresh address on every sign-in attempt.
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): TrustProxy => {
    const text = (v ?? '').trim();
    if (text === '') return ['loopback'];
    if (text === 'false') return false;
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops >= 1 && hops <= 10) return hops;
      ctx.addIssue({ code: 'custom', message: `a hop count must be between 1 and 10 (false for none), got ${text}` });
      return z.NEVER;
    }
    if (text === 'true') {
      ctx.addIssue({ code: 'custom', message: 'true would believe X-Forwarded-For from any client: name the proxy (loopback, an address or a range) or count its hops' });
      return z.NEVER;
    }
    const items = text.split(',').map((s) => s.trim());
    // A /0 range is every address there is: the same as true, refused the same way.
    const everyone = items.filter((item) => /\/0+$/.test(item));
    if (everyone.length > 0) {
      ctx.addIssue({ code: 'custom', message: `${everyone.join(', ')} is every address, like true: it would believe X-Forwarded-For from any client; name the proxy (loopback, an address or a narrow range) or count its hops` });
      return z.NEVER;
    }
    const bad = items.filter((item) => !isProxyAddress(item));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `not an address, a range or one of ${PROXY_NAMES.join(', ')}: ${bad.map((b) => `"${b}"`).join(', ')}` });
      return z.NEVER;
    }
    return items;
  });

const url = z.string().url('must be a URL');
const optionalUrl = url.optional().or(z.literal('').transform(() => undefined));
const optional = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Tests only (NODE_ENV=test): a child process's clock starts here and runs on, so its decisions do not hang on the wall clock. */
  TEST_CLOCK_START: optional,
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_BASE_URL: optionalUrl,
  /** The proxies in front of the line (TLS terminator, load balancer) whose X-Forwarded-* headers are believed. */
  TRUST_PROXY: trustProxy,

  DATABASE_URL: optionalUrl,
  PGLITE_DIR: z.string().default('./data/pglite'),
  REDIS_URL: optionalUrl,
  REDIS_PREFIX: z.string().default('sl:'),
  /** The secret voice PINs are hashed under (src/store/pin-hash.ts); unset with embedded PGlite: a key file beside PGLITE_DIR. */
  PIN_KEY: optional,
  /** Earlier PIN keys, comma-separated, while their hashes are replaced (each right PIN is re-hashed under PIN_KEY). */
  PIN_KEY_PREVIOUS: optional,
  /** Where writes wait while Postgres is unreachable (src/resilience/): a persistent volume per instance. */
  OUTBOX_DIR: z.string().default('./data/outbox'),
  /** Where an announcement's audio is rendered when posted, for Asterisk (sounds/en/<ANNOUNCEMENT_SOUNDS_FOLDER>); unset → not rendered. */
  ANNOUNCEMENT_SOUNDS_DIR: z.string().min(1).optional(),
  ANNOUNCEMENT_SOUNDS_FOLDER: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('support-line-announcements'),
  /** This instance's stable name (its outbox journal's name); default: the host name. */
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, ".", "-" and "_" only, at most 64')
    .optional(),
  /** On SIGTERM: seconds /readyz answers 503 (and new Twilio calls get the safe route) before the server closes. */
  SHUTDOWN_DRAIN_SECONDS: int(0, 0, 120),

  OFFICE_DIVISION: z.enum(DIVISIONS).default('england-and-wales'),
  ESCALATION_RING_SECONDS: int(25, 5, 120),
  ESCALATION_ROUNDS: int(2, 1, 5),
  DESK_OVERFLOW_SECONDS: int(60, 5, 600),
  LINE_CALLER_ID: z.string().default('+441632960000'),

  ARI_URL: optionalUrl,
  ARI_USERNAME: optional,
  ARI_PASSWORD: optional,
  ARI_APP: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').default('support-line'),
  ARI_ENGINEER_DIAL_TEMPLATE: z.string().default('PJSIP/{number}@trunk'),
  ARI_DESK_CONTEXT: z.string().default('desk'),
  ARI_DESK_EXTENSION: z.string().default('support'),
  ARI_BILLING_EXTENSION: z.string().default('billing'),
  /** With Redis, one instance holds the Stasis application on a lease of this many seconds. */
  ARI_LEASE_TTL_SECONDS: int(5, 2, 60),
  ARI_LEASE_RENEW_SECONDS: int(1, 1, 30),
  /** The holder gives the application up after this long without its connection to Asterisk. */
  ARI_FAILOVER_GRACE_SECONDS: int(5, 1, 300),

  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TWILIO_AUTH_TOKEN: optional,
  TWILIO_VALIDATE_SIGNATURES: bool(true),
  /**
   * Ring the on-call engineer through the REST API as the flow dials them, the caller
   * hearing the reference in a queue meanwhile. On wherever the REST API is configured
   * (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_CALLER_ID); `false` turns it off.
   */
  TWILIO_RING_FIRST: bool(true),
  TWILIO_CALLER_ID: optional,
  TWILIO_VOICE: z.string().default('Polly.Amy'),
  TWILIO_PROMPTS: z.enum(['say', 'play']).default('say'),
  ASTERISK_SIP_URI: optional,
  DESK_NUMBER: optional,
  BILLING_NUMBER: optional,

  NOTIFY_WEBHOOK_URL: optionalUrl,
  NOTIFY_WEBHOOK_SECRET: optional,
  DUTY_MANAGER_PHONE: optional,
  // At most 30 s: the watcher is exact to the minute (it also wakes for the next timer due sooner).
  SLA_WATCH_INTERVAL_SECONDS: int(30, 1, 30),
  RECORDING_RETENTION_DAYS: int(90, 1, 3650),
  /** Caller numbers on calls, timelines, ticket summaries and PIN audit entries are blanked after this. */
  CALLER_NUMBER_RETENTION_DAYS: int(365, 1, 3650),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  publicBaseUrl: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  const problems: string[] = [];
  if (c.ARI_URL && (!c.ARI_USERNAME || !c.ARI_PASSWORD)) {
    problems.push('ARI_USERNAME and ARI_PASSWORD: required when ARI_URL is set');
  }
  if (c.ARI_LEASE_RENEW_SECONDS * 2 > c.ARI_LEASE_TTL_SECONDS) {
    problems.push('ARI_LEASE_RENEW_SECONDS: at most half of ARI_LEASE_TTL_SECONDS (a renewal may fail once without the lease lapsing)');
  }
  if (c.NOTIFY_WEBHOOK_URL && (!c.NOTIFY_WEBHOOK_SECRET || c.NOTIFY_WEBHOOK_SECRET.length < 16)) {
    problems.push('NOTIFY_WEBHOOK_SECRET: required when NOTIFY_WEBHOOK_URL is set, at least 16 characters (it signs every webhook)');
  }
  if (c.DUTY_MANAGER_PHONE && !/^\+[1-9][0-9]{6,14}$/.test(c.DUTY_MANAGER_PHONE)) {
    problems.push('DUTY_MANAGER_PHONE: must be an E.164 number, e.g. +447700900999');
  }
  for (const [name, keys] of [['PIN_KEY', [c.PIN_KEY]], ['PIN_KEY_PREVIOUS', c.PIN_KEY_PREVIOUS?.split(',') ?? []]] as const) {
    if (keys.some((k) => k !== undefined && k.trim().length < PIN_KEY_MIN_LENGTH)) {
      problems.push(`${name}: at least ${PIN_KEY_MIN_LENGTH} characters (e.g. openssl rand -base64 32)`);
    }
  }
  if (!c.PIN_KEY && c.PIN_KEY_PREVIOUS) problems.push('PIN_KEY_PREVIOUS: needs PIN_KEY (the key new hashes are made with)');
  // Instances sharing a Postgres must hash alike: only the embedded database (one
  // process) may keep a generated key in its data folder.
  if (!c.PIN_KEY && (c.DATABASE_URL || c.NODE_ENV === 'production')) {
    problems.push(`PIN_KEY: required with DATABASE_URL and in production (voice PINs are hashed under it; never store it in Postgres)`);
  }
  if (c.TEST_CLOCK_START !== undefined && (c.NODE_ENV !== 'test' || Number.isNaN(Date.parse(c.TEST_CLOCK_START)))) {
    problems.push('TEST_CLOCK_START: only with NODE_ENV=test, as an ISO instant (a test sets the clock of the instance it starts)');
  }
  if (c.NODE_ENV === 'production') {
    // Twilio is the fallback carrier: in production its webhooks must always be verifiable.
    if (!c.TWILIO_AUTH_TOKEN) {
      problems.push('TWILIO_AUTH_TOKEN: required in production (Twilio webhooks cannot be verified without it)');
    }
    if (!c.TWILIO_VALIDATE_SIGNATURES) {
      problems.push('TWILIO_VALIDATE_SIGNATURES: cannot be false in production');
    }
    if (!c.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL: required in production (Twilio signs the public URL)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...c, publicBaseUrl: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, '') };
}
