// dialplan/pjsip.conf as shipped must be a trunk a real Asterisk 22 accepts and that
// keeps callers identifiable. Checked on Asterisk 22.10.1 with PJSIP (bundled pjproject
// 2.17) against a second Asterisk as the provider: with `callerid` on the trunk's
// endpoint, a call the provider sent from "Acme Dental" <+441632960001> ran the dialplan
// as "Support Line call from +441632960000" (Asterisk gives calls from an endpoint its
// callerid, ast_sip_set_id_from_invite), so no customer was recognised by their number.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const shipped = readFileSync(new URL('../../dialplan/pjsip.conf', import.meta.url), 'utf8');
const extensions = readFileSync(new URL('../../dialplan/extensions.conf', import.meta.url), 'utf8');

interface SipObject {
  name: string;
  /** Options in file order, templates' first (as Asterisk applies them). */
  options: [string, string][];
}

/** The objects Asterisk builds from pjsip.conf: templates (`(!)`) applied, not kept. */
function objects(text: string): SipObject[] {
  const templates = new Map<string, [string, string][]>();
  const found: SipObject[] = [];
  let current: [string, string][] | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    if (line === '') continue;
    const header = /^\[([^\]]+)\](?:\(([^)]*)\))?$/.exec(line);
    if (header) {
      const name = header[1]!;
      const parents = (header[2] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '' && p !== '!');
      current = parents.flatMap((p) => templates.get(p) ?? []);
      if ((header[2] ?? '').split(',').map((p) => p.trim()).includes('!')) templates.set(name, current);
      else found.push({ name, options: current });
      continue;
    }
    const option = /^([a-z_]+)\s*=>?\s*(.*)$/.exec(line);
    if (option && current) current.push([option[1]!, option[2]!.trim()]);
  }
  return found;
}

const all = objects(shipped);
const value = (o: SipObject, key: string): string | undefined => o.options.findLast(([k]) => k === key)?.[1];
const values = (o: SipObject, key: string): string[] => o.options.filter(([k]) => k === key).map(([, v]) => v);
const ofType = (type: string): SipObject[] => all.filter((o) => value(o, 'type') === type);
const named = (type: string, name: string): SipObject | undefined => ofType(type).find((o) => o.name === name);

describe('dialplan/pjsip.conf as shipped', () => {
  it('gives every object a type', () => {
    expect(all.filter((o) => value(o, 'type') === undefined).map((o) => o.name)).toEqual([]);
  });

  it('has the trunk the line dials engineers through (PJSIP/{number}@trunk, and [engineers] in extensions.conf)', () => {
    expect(extensions).toMatch(/Dial\(PJSIP\/\$\{EXTEN\}@trunk\)/);
    expect(named('endpoint', 'trunk')).toBeDefined();
    expect(named('aor', 'trunk')).toBeDefined();
  });

  it('registers the trunk with credentials and ties the registration to the endpoint', () => {
    const registration = named('registration', 'trunk')!;
    expect(registration).toBeDefined();
    expect(value(registration, 'server_uri')).toMatch(/^sip:/);
    expect(value(registration, 'client_uri')).toMatch(/^sip:[^@]+@/);
    expect(named('auth', value(registration, 'outbound_auth') ?? '')).toBeDefined();
    // line + endpoint: calls the provider sends to the registered contact find the trunk.
    expect(value(registration, 'line')).toBe('yes');
    expect(value(registration, 'endpoint')).toBe('trunk');
  });

  it('refers only to objects it defines', () => {
    const missing: string[] = [];
    const need = (type: string, name: string | undefined, from: string): void => {
      if (name !== undefined && !named(type, name)) missing.push(`${from} → ${type} ${name}`);
    };
    for (const e of ofType('endpoint')) {
      need('transport', value(e, 'transport'), `endpoint ${e.name}`);
      for (const aor of (value(e, 'aors') ?? '').split(',').filter(Boolean)) need('aor', aor.trim(), `endpoint ${e.name}`);
      need('auth', value(e, 'auth'), `endpoint ${e.name}`);
      need('auth', value(e, 'outbound_auth'), `endpoint ${e.name}`);
    }
    for (const r of ofType('registration')) need('endpoint', value(r, 'endpoint'), `registration ${r.name}`);
    for (const i of ofType('identify')) need('endpoint', value(i, 'endpoint'), `identify ${i.name}`);
    expect(missing).toEqual([]);
  });

  it('uses digest auth (Asterisk 22 deprecates userpass)', () => {
    expect(ofType('auth').map((a) => `${a.name}: ${value(a, 'auth_type')}`)).toEqual(ofType('auth').map((a) => `${a.name}: digest`));
  });

  it('offers G.711 only (A-law, u-law) and takes keys as RFC 4733 events on every endpoint', () => {
    for (const e of ofType('endpoint')) {
      expect(values(e, 'disallow'), e.name).toEqual(['all']);
      const allowed = values(e, 'allow').flatMap((v) => v.split(',')).map((c) => c.trim());
      expect(allowed.filter((c) => c !== 'g722'), e.name).toEqual(expect.arrayContaining(['ulaw']));
      expect(value(e, 'dtmf_mode'), e.name).toBe('rfc4733');
      expect(value(e, 'direct_media'), e.name).toBe('no');
    }
  });

  it("keeps the caller's number on calls into the line: no callerid on an endpoint whose calls go to [support]", () => {
    // Asterisk copies an endpoint's callerid onto every call from it (untrusted From/PAI
    // are used only when the endpoint has no number of its own).
    const into = ofType('endpoint').filter((e) => value(e, 'context') === 'support');
    expect(into.map((e) => e.name)).toEqual(expect.arrayContaining(['trunk']));
    expect(into.filter((e) => value(e, 'callerid') !== undefined).map((e) => e.name)).toEqual([]);
  });
});
