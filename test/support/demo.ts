// The demo data set as tests use it: a seeded account by its number.
import type { DemoAccount, DemoSeed } from '../../src/store/seed-demo.ts';

export function demoAccount(demo: DemoSeed, number: string): DemoAccount {
  const a = demo.accounts.find((x) => x.number === number);
  if (!a) throw new Error(`no demo account ${number}`);
  return a;
}
