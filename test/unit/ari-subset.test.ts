// The project's own description of the ARI it uses (src/carriers/ari/ari-subset.json)
// must say what Asterisk's spec says, and must cover every operation the carrier calls.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PROJECT_ROOT,
  SUBSET_FILE,
  checkParams,
  loadOfficial,
  loadSubset,
  matchOperation,
  officialSpecDir,
  type ApiSpec,
  type Fields,
} from '../support/fake-asterisk/spec.ts';

const subset = loadSubset(SUBSET_FILE);
const officialDir = officialSpecDir();

function describeFields(fields: Fields): Record<string, string> {
  return Object.fromEntries([...fields].map(([n, f]) => [n, `${f.type}${f.required ? ' required' : ''}${f.enum ? ` enum=${f.enum.join('|')}` : ''}`]));
}

// A fresh clone has no ../shared beside it: the comparison then reports itself
// skipped, with the reason, and every other test still runs.
describe('ari-subset.json agrees with Asterisk\'s spec (../shared/ari)', () => {
  if (officialDir === null) {
    it.skip('skipped: ../shared/ari (Asterisk\'s own ARI Swagger files) is not beside the project', () => undefined);
    return;
  }
  const official = loadOfficial(officialDir);

  it.each(subset.operations.map((o) => [o.op, o] as const))('operation %s', (_name, mine) => {
    const theirs = official.operations.find((o) => o.op === mine.op);
    expect(theirs, `${mine.op} is not in the official spec`).toBeDefined();
    if (!theirs) return;
    expect({ method: mine.method, path: mine.path, returns: mine.returns, errors: [...mine.errors].sort() }).toEqual({
      method: theirs.method,
      path: theirs.path,
      returns: theirs.returns,
      errors: [...theirs.errors].sort(),
    });
    const params = (spec: Map<string, unknown>) => Object.fromEntries([...spec].sort(([a], [b]) => a.localeCompare(b)));
    expect(params(mine.params)).toEqual(params(theirs.params));
  });

  it.each([...subset.models.keys()])('model %s', (name) => {
    const theirs = official.models.get(name);
    expect(theirs, `${name} is not an official model`).toBeDefined();
    expect(describeFields(subset.models.get(name) as Fields)).toEqual(describeFields(theirs as Fields));
  });

  it.each([...subset.events.keys()])('event %s', (name) => {
    const theirs = official.events.get(name);
    expect(theirs, `${name} is not an official event`).toBeDefined();
    expect(describeFields(subset.events.get(name) as Fields)).toEqual(describeFields(theirs as Fields));
  });
});

describe('ari-subset.json', () => {
  it('covers every operation the carrier calls', () => {
    const rest = readFileSync(path.join(PROJECT_ROOT, 'src/carriers/ari/rest.ts'), 'utf8');
    const used = [...rest.matchAll(/this\.call<[^(]*>\('([a-zA-Z]+\.[a-zA-Z]+)'/g)].map((m) => m[1] as string);
    expect(used.length).toBeGreaterThan(15);
    const described = new Set(subset.operations.map((o) => o.op));
    expect(used.filter((op) => !described.has(op))).toEqual([]);
  });

  it('covers every event the carrier reads', () => {
    const events = readFileSync(path.join(PROJECT_ROOT, 'src/carriers/ari/events.ts'), 'utf8');
    const read = [...events.matchAll(/^ {2}([A-Z][A-Za-z]+): z\.looseObject/gm)].map((m) => m[1] as string);
    expect(read.length).toBeGreaterThan(10);
    expect(read.filter((e) => !subset.events.has(e))).toEqual([]);
  });
});

describe.each([
  ['subset', subset],
  ...(officialDir ? [['official', loadOfficial(officialDir)] as [string, ApiSpec]] : []),
])('checking requests against the %s description', (_label, spec) => {
  const match = (method: string, p: string) => matchOperation(spec, method, p.split('/'));
  const op = (method: string, p: string) => {
    const m = match(method, p);
    if (m.kind !== 'ok') throw new Error(`${method} ${p}: ${m.kind}`);
    return m;
  };

  it('a literal path part beats a parameter', () => {
    expect(op('POST', 'channels/create').operation.op).toBe(spec.source === 'official' ? 'channels.create' : 'channels.originateWithId');
    expect(op('POST', 'channels/abc').operation.op).toBe('channels.originateWithId');
    expect(op('POST', 'channels/abc/play').operation.op).toBe('channels.play');
    expect(op('DELETE', 'channels/abc').pathParams).toEqual({ channelId: 'abc' });
    expect(op('GET', 'recordings/live/support-line%2Fcall-1').pathParams).toEqual({ recordingName: 'support-line/call-1' });
    expect(match('PUT', 'channels/abc/play')).toMatchObject({ kind: 'no-method' });
    expect(match('GET', 'nothing/here')).toMatchObject({ kind: 'no-path' });
  });

  it('flags missing, malformed and unknown parameters', () => {
    const play = op('POST', 'channels/abc/play').operation;
    const q = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [k, [v]]));
    expect(checkParams(play, q({ media: 'sound:a,digits:12' }), null)).toEqual([]);
    expect(checkParams(play, q({}), null)).toEqual([{ message: 'missing required parameter "media"', rejects: true }]);
    expect(checkParams(play, q({ media: 'sound:a', offsetms: 'soon' }), null)[0]).toMatchObject({ rejects: true });
    expect(checkParams(play, q({ media: 'sound:a', medai: 'x' }), null)[0]).toMatchObject({ rejects: false, message: 'unknown parameter "medai"' });
    const record = op('POST', 'channels/abc/record').operation;
    expect(checkParams(record, q({ name: 'n', format: 'wav', terminateOn: '#', beep: 'true', maxSilenceSeconds: '5' }), null)).toEqual([]);
    expect(checkParams(record, q({ name: 'n', format: 'wav', terminateOn: 'hash' }), null)[0]).toMatchObject({ rejects: true });
    expect(checkParams(record, q({ name: 'n', format: 'wav', beep: 'yes' }), null)[0]).toMatchObject({ rejects: true });
    expect(checkParams(record, q({ name: 'n', format: 'wav', maxDurationSeconds: '-1' }), null)[0]).toMatchObject({ rejects: true });
    const hangup = op('DELETE', 'channels/abc').operation;
    expect(checkParams(hangup, q({ reason: 'hungup' }), null)[0]).toMatchObject({ rejects: true });
  });
});
