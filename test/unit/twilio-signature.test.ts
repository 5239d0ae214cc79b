import express from 'express';
import request from 'supertest';
import twilio from 'twilio';
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { bodyErrorHandler, twilioBodyParser } from '../../src/http/twilio/body.ts';
import { twilioSignatureCheck } from '../../src/http/twilio/signature.ts';
import { assertTwilioConfig, twilioConfigProblems } from '../../src/carriers/twilio/settings.ts';
import { captureLogger } from '../support/fake-twilio/log.ts';

const TOKEN = 'test-auth-token-0123456789abcdef';
const PUBLIC = 'https://line.example.co.uk';

function appWith(options: { validate?: boolean; token?: string | null; base?: string } = {}) {
  const log = captureLogger();
  const seen: Array<Record<string, string>> = [];
  const app = express();
  app.use(
    '/twilio',
    twilioBodyParser(),
    twilioSignatureCheck({
      authToken: options.token === undefined ? TOKEN : options.token,
      publicBaseUrl: options.base ?? PUBLIC,
      validate: options.validate ?? true,
      logger: log.logger,
    }),
  );
  app.post('/twilio/step', (req, res) => {
    seen.push(req.body as Record<string, string>);
    res.type('text/xml').send('<Response/>');
  });
  app.use('/twilio', bodyErrorHandler(() => undefined));
  return { app, seen, log };
}

const params = { CallSid: 'CA' + 'a'.repeat(32), From: '+441632960123', To: '+441632960000', Digits: '4821', CallerCity: '' };

function sign(url: string, body: Record<string, string>, token = TOKEN): string {
  return twilio.getExpectedTwilioSignature(token, url, body);
}

describe('the Twilio signature check', () => {
  it('agrees with the twilio package on the published test vector', () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const vector = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
    expect(sign(url, vector, '12345')).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('accepts a request signed against the public URL with its query', async () => {
    const { app, seen } = appWith();
    const path = '/twilio/step?call=abc&step=2&on=gather';
    const res = await request(app).post(path).type('form').set('X-Twilio-Signature', sign(PUBLIC + path, params)).send(params);
    expect(res.status).toBe(200);
    expect(seen).toEqual([params]);
  });

  it('refuses the same request with one parameter changed, and nothing runs', async () => {
    const { app, seen, log } = appWith();
    const path = '/twilio/step?call=abc&step=2&on=gather';
    const res = await request(app)
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', sign(PUBLIC + path, params))
      .send({ ...params, Digits: '4822' });
    expect(res.status).toBe(403);
    expect(seen).toEqual([]);
    expect(log.warnings('bad signature')).toHaveLength(1);
  });

  it('refuses a changed query string (the step counter is signed too)', async () => {
    const { app, seen } = appWith();
    const res = await request(app)
      .post('/twilio/step?call=abc&step=3&on=gather')
      .type('form')
      .set('X-Twilio-Signature', sign(PUBLIC + '/twilio/step?call=abc&step=2&on=gather', params))
      .send(params);
    expect(res.status).toBe(403);
    expect(seen).toEqual([]);
  });

  it('refuses a request signed against the local URL instead of the public one', async () => {
    const { app } = appWith();
    const res = await request(app)
      .post('/twilio/step')
      .type('form')
      .set('X-Twilio-Signature', sign('http://127.0.0.1:3000/twilio/step', params))
      .send(params);
    expect(res.status).toBe(403);
  });

  it('keeps a path prefix that a proxy strips in the signed URL', async () => {
    const base = 'https://example.co.uk/support';
    const { app, seen } = appWith({ base });
    const res = await request(app)
      .post('/twilio/step')
      .type('form')
      .set('X-Twilio-Signature', sign(base + '/twilio/step', params))
      .send(params);
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('refuses a request with no signature header', async () => {
    const { app, seen, log } = appWith();
    const res = await request(app).post('/twilio/step').type('form').send(params);
    expect(res.status).toBe(403);
    expect(seen).toEqual([]);
    expect(log.warnings()[0]?.['reason']).toBe('no signature header');
  });

  it('refuses everything when no auth token is configured, and says so at start', async () => {
    const { app, log } = appWith({ token: null });
    const res = await request(app)
      .post('/twilio/step')
      .type('form')
      .set('X-Twilio-Signature', sign(PUBLIC + '/twilio/step', params))
      .send(params);
    expect(res.status).toBe(403);
    expect(log.warnings('TWILIO_AUTH_TOKEN is not set')).toHaveLength(1);
  });

  it('lets unsigned requests through only under the explicit switch, warning at start and on each request', async () => {
    const { app, seen, log } = appWith({ validate: false });
    expect(log.warnings('SIGNATURE CHECKING IS OFF')).toHaveLength(1);
    await request(app).post('/twilio/step').type('form').send(params).expect(200);
    await request(app).post('/twilio/step').type('form').send(params).expect(200);
    expect(seen).toHaveLength(2);
    expect(log.warnings('WITHOUT signature check')).toHaveLength(2);
  });

  it('answers an oversized body with 413 before anything else', async () => {
    const { app, seen } = appWith();
    const res = await request(app).post('/twilio/step').type('form').send({ ...params, Digits: '1'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(seen).toEqual([]);
  });

  it('answers a body with too many fields with 413', async () => {
    const { app } = appWith();
    const body = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`F${i}`, 'x']));
    const res = await request(app).post('/twilio/step').type('form').send(body);
    expect(res.status).toBe(413);
  });

  it('answers an unsupported charset with 415', async () => {
    const { app } = appWith();
    const res = await request(app)
      .post('/twilio/step')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=klingon')
      .send('CallSid=CA1');
    expect(res.status).toBe(415);
  });

  it('with a public URL that has a port, a request signed over it as received costs one HMAC; one signed without the port is still accepted', async () => {
    // The crypto module the twilio package calls (CommonJS), to count the signatures computed.
    const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
    const hmac = vi.spyOn(crypto, 'createHmac');
    try {
      const base = 'http://127.0.0.1:8080';
      const { app, seen } = appWith({ base });
      const path = '/twilio/step?call=abc&step=2&on=gather';
      const signature = sign(base + path, params);
      hmac.mockClear();
      const res = await request(app).post(path).type('form').set('X-Twilio-Signature', signature).send(params);
      expect(res.status).toBe(200);
      expect(hmac).toHaveBeenCalledTimes(1);
      const portless = await request(app).post(path).type('form').set('X-Twilio-Signature', sign('http://127.0.0.1' + path, params)).send(params);
      expect(portless.status).toBe(200);
      expect(seen).toEqual([params, params]);
    } finally {
      hmac.mockRestore();
    }
  });
});

describe('Twilio start-up rules', () => {
  const production = { NODE_ENV: 'production' as const, TWILIO_AUTH_TOKEN: 'x', TWILIO_VALIDATE_SIGNATURES: true, PUBLIC_BASE_URL: PUBLIC };

  it('refuses production without an auth token, naming the variable', () => {
    expect(() => assertTwilioConfig({ ...production, TWILIO_AUTH_TOKEN: undefined })).toThrow(/TWILIO_AUTH_TOKEN: required in production/);
  });

  it('refuses production with signature checking switched off', () => {
    expect(twilioConfigProblems({ ...production, TWILIO_VALIDATE_SIGNATURES: false })).toEqual([
      'TWILIO_VALIDATE_SIGNATURES: cannot be false in production',
    ]);
  });

  it('refuses production without the public URL Twilio signs', () => {
    expect(twilioConfigProblems({ ...production, PUBLIC_BASE_URL: undefined })).toHaveLength(1);
  });

  it('allows development without a token', () => {
    expect(() => assertTwilioConfig({ ...production, NODE_ENV: 'development', TWILIO_AUTH_TOKEN: undefined })).not.toThrow();
  });
});
