// TRUST_PROXY: whose X-Forwarded-For becomes req.ip (the per-IP sign-in limit's key)
// and whose X-Forwarded-Proto makes a request secure. These requests all come from
// loopback, as a TLS terminator on the same host would send them.
import { Router } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';

function appTrusting(env: Record<string, string>) {
  const echo = Router();
  echo.get('/who', (req, res) => {
    res.json({ ip: req.ip, secure: req.secure });
  });
  return createApp({
    logger: createLogger('silent'),
    checks: () => [],
    isShuttingDown: () => false,
    trustProxy: loadConfig(env).TRUST_PROXY,
    mounts: [{ path: '/', router: echo }],
  });
}

async function seen(env: Record<string, string>, headers: Record<string, string>) {
  const res = await request(appTrusting(env)).get('/who').set(headers);
  return res.body as { ip: string; secure: boolean };
}

const FORGED = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' };

describe('TRUST_PROXY', () => {
  it('by default believes the proxy on loopback', async () => {
    expect(await seen({}, FORGED)).toEqual({ ip: '203.0.113.9', secure: true });
  });

  it('false: the connection’s own address, whatever the headers say', async () => {
    const who = await seen({ TRUST_PROXY: 'false' }, FORGED);
    expect(who.ip).toMatch(/127\.0\.0\.1$/);
    expect(who.secure).toBe(false);
  });

  it('a proxy elsewhere: a request from loopback is not it, so its headers are ignored', async () => {
    const who = await seen({ TRUST_PROXY: '10.9.8.7, 10.1.0.0/16' }, FORGED);
    expect(who.ip).toMatch(/127\.0\.0\.1$/);
    expect(who.secure).toBe(false);
  });

  it('a hop count believes only the last address the nearest proxy added', async () => {
    const who = await seen({ TRUST_PROXY: '1' }, { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' });
    expect(who.ip).toBe('203.0.113.9');
  });

  it('parses names, addresses and ranges, and refuses what would trust anyone or nothing sensible', () => {
    expect(loadConfig({}).TRUST_PROXY).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.5,fd00::/8' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.5', 'fd00::/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: true would believe X-Forwarded-For from any client/);
    // Every address there is, written as a range, is the same as true.
    expect(() => loadConfig({ TRUST_PROXY: '0.0.0.0/0' })).toThrow(/TRUST_PROXY: 0.0.0.0\/0 is every address, like true/);
    expect(() => loadConfig({ TRUST_PROXY: 'loopback, ::/0' })).toThrow(/TRUST_PROXY: ::\/0 is every address/);
    expect(() => loadConfig({ TRUST_PROXY: '0' })).toThrow(/TRUST_PROXY: a hop count must be between 1 and 10/);
    expect(() => loadConfig({ TRUST_PROXY: 'loopback,proxy.example.com,10.0.0.0/33' })).toThrow(/TRUST_PROXY: not an address.*"proxy\.example\.com", "10\.0\.0\.0\/33"/);
  });
});
