// The bench's profile summary can leave start-up out: samples before the first one
// inside the code under test are not counted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summariseProfile } from '../../bench/profile.ts';

const dir = mkdtempSync(join(tmpdir(), 'sl-profile-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
// root → loader (start-up); root → step → render
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
    { id: 2, callFrame: frame('compileSourceTextModule', 'node:internal/modules/esm/utils'), children: [] },
    { id: 3, callFrame: frame('step', 'file:///app/src/carriers/twilio/carrier.ts'), children: [4] },
    { id: 4, callFrame: frame('render', 'file:///app/src/carriers/twilio/twiml.ts'), children: [] },
  ],
  // Start-up for 3 samples, then the steps; one late module load after the first step still counts.
  samples: [2, 2, 2, 4, 3, 2, 4],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000],
};
const path = join(dir, 'line.cpuprofile');
writeFileSync(path, JSON.stringify(profile));

describe('the bench profile summary', () => {
  it('counts the whole life without a starting point', () => {
    const s = summariseProfile(path);
    expect(s.totalMs).toBe(7);
    expect(s.top.find((f) => f.name === 'compileSourceTextModule')?.selfMs).toBe(4);
    expect(s.from).toBeUndefined();
  });

  it('from the first sample inside the given code on, when asked', () => {
    const s = summariseProfile(path, 15, { url: 'src/carriers/twilio/carrier.ts', functionName: 'step', label: 'the first step' });
    expect(s.totalMs).toBe(4);
    expect(s.top.find((f) => f.name === 'compileSourceTextModule')?.selfMs).toBe(1);
    expect(s.top.find((f) => f.name === 'render')?.selfMs).toBe(2);
    expect(s.from).toBe('the first step');
  });

  it('whole life when the code never ran (the module loader thread)', () => {
    const s = summariseProfile(path, 15, { url: 'src/nowhere.ts', functionName: 'step', label: 'x' });
    expect(s.totalMs).toBe(7);
    expect(s.from).toBeUndefined();
  });
});
