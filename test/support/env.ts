// Where the test servers are: the same defaults as docker compose and the dev machine.
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `host:port` of a URL, for messages that must not show credentials. */
export function hostPort(url: string, defaultPort: number): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || defaultPort}`;
}

/**
 * The faketime settings this run is under (CI runs the suite again at another date),
 * for child processes started with an environment of their own: they must live on
 * the same date as the test that started them.
 */
export const FAKETIME_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && (e[0] === 'LD_PRELOAD' || e[0] === 'DONT_FAKE_MONOTONIC' || e[0].startsWith('FAKETIME'))),
);

/** The PIN key every test line and fixture uses (test/support/pin-keys.ts installs it in each test process). */
export const PIN_KEY = process.env.PIN_KEY ?? 'test-pin-key-not-a-secret-0123456789abcdef';

/**
 * This process's environment without faketime, for programs that do not run under
 * it (Chromium hangs with libfaketime preloaded; the browser tests set the page's
 * clock themselves).
 */
export function envWithoutFaketime(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !(e[0] in FAKETIME_ENV)));
}
