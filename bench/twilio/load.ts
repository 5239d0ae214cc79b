// The load generator for the Twilio webhooks, in a process of its own: autocannon
// sending what Twilio sends — a form post with the call's parameters, signed with
// the auth token over the public URL — each request for a different call. Told what
// to run over IPC; answers with autocannon's figures and, for /twilio/voice, the
// Gather action URL each new call was given (the next step's URL).
import autocannon from 'autocannon';
import twilio from 'twilio';
import type { LoadReply, LoadRun } from './load-protocol.ts';

const ACCOUNT_SID = `AC${'be7c4'.padEnd(32, '0')}`;
const LINE_NUMBER = '+441632960000';

function callParams(callSid: string, from: string): Record<string, string> {
  const geo = (prefix: string) => ({ [`${prefix}City`]: '', [`${prefix}Country`]: 'GB', [`${prefix}State`]: '', [`${prefix}Zip`]: '' });
  return {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: 'in-progress',
    Called: LINE_NUMBER,
    ...geo('Called'),
    Caller: from,
    ...geo('Caller'),
    Direction: 'inbound',
    From: from,
    ...geo('From'),
    To: LINE_NUMBER,
    ...geo('To'),
  };
}

const form = (params: Record<string, string>): string => new URLSearchParams(params).toString();

async function run(spec: LoadRun): Promise<LoadReply> {
  let n = 0;
  const actions: { callSid: string; url: string }[] = [];
  const sign = (url: string, params: Record<string, string>): string =>
    spec.authToken ? twilio.getExpectedTwilioSignature(spec.authToken, url, params) : 'unsigned';

  const request: autocannon.Request = {
    method: 'POST',
    // With one request in flight per connection, the connection's context says which
    // call the response is for.
    setupRequest: (req, context: { callSid?: string }) => {
      const i = n++;
      let path: string;
      let params: Record<string, string>;
      if (spec.kind === 'voice') {
        const callSid = `CA${(spec.sidBase + i).toString(16).padStart(32, '0')}`;
        const from = spec.callers[i % spec.callers.length]!;
        path = '/twilio/voice';
        params = callParams(callSid, from);
        context.callSid = callSid;
      } else {
        const step = spec.steps[i % spec.steps.length]!;
        const url = new URL(step.url);
        path = url.pathname + url.search;
        params = { ...callParams(step.callSid, step.from), Digits: step.digits, FinishedOnKey: '#', msg: 'Gather End' };
      }
      const publicUrl = spec.publicBaseUrl + path;
      return {
        ...req,
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': sign(publicUrl, params),
          'i-twilio-idempotency-token': `${i}`,
        },
        body: form(params),
      };
    },
    ...(spec.kind === 'voice' && spec.collectActions
      ? {
          onResponse: (status: number, body: string, context: { callSid?: string }) => {
            const m = status === 200 ? /<Gather[^>]* action="([^"]+)"/.exec(body) : null;
            if (m && context.callSid) actions.push({ callSid: context.callSid, url: m[1]!.replaceAll('&amp;', '&') });
          },
        }
      : {}),
  };

  // autocannon checks for the end of an `amount` run once a second, so its own duration is
  // rounded up to whole seconds: time the run from the first request to the last answer.
  let first = 0;
  let last = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        pipelining: 1,
        ...(spec.amount ? { amount: spec.amount } : { duration: spec.seconds }),
        requests: [request],
        timeout: 10,
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    instance.on('response', () => {
      last = performance.now();
    });
    first = performance.now();
  });
  const seconds = last > first ? (last - first) / 1000 : result.duration;
  return {
    type: 'result',
    requests: n,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    perSecond: seconds > 0 ? result['2xx'] / seconds : 0,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    actions,
  };
}

process.on('message', (spec: LoadRun | { kind: 'exit' }) => {
  if (spec.kind === 'exit') process.exit(0);
  run(spec).then(
    (reply) => process.send?.(reply),
    (err: unknown) => process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies LoadReply),
  );
});
process.send?.({ type: 'ready' } satisfies LoadReply);
