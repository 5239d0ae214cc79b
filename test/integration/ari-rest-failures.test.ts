// AriRest's failures, whatever the transport: Asterisk silent, gone, or cutting an answer
// short is an AriHttpError with status 0 (the call then takes its technical-problem
// route); an error status carries Asterisk's own message.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AriHttpError, AriRest } from '../../src/carriers/ari/rest.ts';

const servers: http.Server[] = [];

async function asterisk(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ari`;
}

const restOn = (baseUrl: string, timeoutMs = 2_000) => new AriRest({ baseUrl, username: 'u', password: 'p', timeoutMs });

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe('ARI REST failures', () => {
  it('an answer that never comes: timed out, status 0, nothing left in flight', async () => {
    const rest = restOn(await asterisk(() => undefined), 50);
    const err = await rest.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriHttpError);
    expect(err).toMatchObject({ status: 0, message: 'Asterisk timed out (asterisk.ping)', operation: 'asterisk.ping' });
    expect(rest.inFlight).toBe(0);
  });

  it('nobody listening: unreachable, status 0', async () => {
    const url = await asterisk(() => undefined);
    const closing = servers.pop() as http.Server;
    await new Promise((resolve) => closing.close(resolve));
    const err = await restOn(url).answer('caller-1').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, message: 'Asterisk unreachable (channels.answer)' });
  });

  it('an answer cut off before its end: unreachable, status 0', async () => {
    const rest = restOn(
      await asterisk((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
        res.write('{"id":');
        setImmediate(() => res.destroy());
      }),
    );
    await expect(rest.getChannel('caller-1')).rejects.toMatchObject({ status: 0, message: 'Asterisk unreachable (channels.get)' });
  });

  it('an error status carries Asterisk\'s message; Basic auth is sent; kept-alive connections are reused', async () => {
    const seen: Array<{ auth: string | undefined; port: number | undefined }> = [];
    const rest = restOn(
      await asterisk((req, res) => {
        seen.push({ auth: req.headers.authorization, port: req.socket.remotePort });
        if (req.method === 'DELETE') return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"Channel not found"}');
        res.writeHead(204).end();
      }),
    );
    await rest.answer('caller-1');
    await expect(rest.hangup('caller-1')).rejects.toMatchObject({ status: 404, message: 'Channel not found', operation: 'channels.hangup' });
    expect(seen.map((s) => s.auth)).toEqual([`Basic ${Buffer.from('u:p').toString('base64')}`, `Basic ${Buffer.from('u:p').toString('base64')}`]);
    expect(seen[0]?.port).toBe(seen[1]?.port);
  });
});
