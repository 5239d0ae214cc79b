// Configuration: one schema, clear errors naming the variable, docs that list every variable.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, loadConfig } from '../../src/config.ts';
import { ringsFirst } from '../../src/carriers/twilio/component.ts';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('configuration', () => {
  it('starts on embedded defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 3000, OFFICE_DIVISION: 'england-and-wales' });
    expect([c.DATABASE_URL, c.REDIS_URL, c.ARI_URL]).toEqual([undefined, undefined, undefined]);
    expect(c.publicBaseUrl).toBe('http://localhost:3000');
  });

  it('rings the on-call engineer first on Twilio wherever the REST API is configured, unless TWILIO_RING_FIRST=false', () => {
    const rest = { TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32), TWILIO_AUTH_TOKEN: 'token', TWILIO_CALLER_ID: '+441632960000' };
    expect(ringsFirst(loadConfig(rest))).toBe(true);
    expect(ringsFirst(loadConfig({ ...rest, TWILIO_RING_FIRST: 'false' }))).toBe(false);
    expect(ringsFirst(loadConfig({ ...rest, TWILIO_CALLER_ID: '' }))).toBe(false);
    expect(ringsFirst(loadConfig({ TWILIO_AUTH_TOKEN: 'token' }))).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT: must be a whole number/],
    [{ PORT: '70000' }, /^PORT: must be between 0 and 65535/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL: /],
    [{ OFFICE_DIVISION: 'wales' }, /^OFFICE_DIVISION: /],
    [{ ESCALATION_ROUNDS: '0' }, /^ESCALATION_ROUNDS: must be between 1 and 5/],
    [{ TWILIO_ACCOUNT_SID: 'XX123' }, /^TWILIO_ACCOUNT_SID: must be AC/],
    [{ ARI_URL: 'http://pbx:8088' }, /^ARI_USERNAME and ARI_PASSWORD/],
    [{ DATABASE_URL: 'postgres://db/support' }, /^PIN_KEY: required with DATABASE_URL and in production/],
    [{ PIN_KEY: 'too-short' }, /^PIN_KEY: at least 32 characters/],
    [{ PIN_KEY: 'k'.repeat(32), PIN_KEY_PREVIOUS: `${'o'.repeat(32)},short` }, /^PIN_KEY_PREVIOUS: at least 32 characters/],
    [{ ARI_LEASE_TTL_SECONDS: '1' }, /^ARI_LEASE_TTL_SECONDS: must be between 2 and 60/],
    [{ ARI_LEASE_TTL_SECONDS: '5', ARI_LEASE_RENEW_SECONDS: '3' }, /^ARI_LEASE_RENEW_SECONDS: at most half of ARI_LEASE_TTL_SECONDS/],
    [{ ARI_FAILOVER_GRACE_SECONDS: '0' }, /^ARI_FAILOVER_GRACE_SECONDS: must be between 1 and 300/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(problems(env).join('\n')).toMatch(message);
  });

  it('keeps a deliberate 0 rather than turning it into the default', () => {
    expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
  });

  it('refuses production without the secrets it needs, and never echoes a secret', () => {
    const p = problems({ NODE_ENV: 'production', TWILIO_VALIDATE_SIGNATURES: 'false', NOTIFY_WEBHOOK_URL: 'https://hooks.example.co.uk/x', NOTIFY_WEBHOOK_SECRET: 'short-secret' });
    expect(p.join('\n')).toMatch(/TWILIO_AUTH_TOKEN: required in production/);
    expect(p.join('\n')).toMatch(/TWILIO_VALIDATE_SIGNATURES: cannot be false in production/);
    expect(p.join('\n')).toMatch(/NOTIFY_WEBHOOK_SECRET: required when NOTIFY_WEBHOOK_URL is set/);
    expect(p.join('\n')).toMatch(/PUBLIC_BASE_URL: required in production/);
    expect(p.join('\n')).toMatch(/PIN_KEY: required with DATABASE_URL and in production/);
    expect(p.join('\n')).not.toContain('short-secret');
  });

  it('is documented: every variable is in .env.example and the README', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const key of Object.keys(envSchema.shape)) {
      expect(example, `.env.example lists ${key}`).toMatch(new RegExp(`^#?\\s*${key}=`, 'm'));
      expect(readme, `README documents ${key}`).toContain(key);
    }
  });
});
