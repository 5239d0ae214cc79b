export { FakeAsterisk, type FakeAsteriskOptions, type Violation } from './server.ts';
export { Caller, PartyScript } from './parties.ts';
export { VirtualClock } from './clock.ts';
export { loadSpec, loadOfficial, loadSubset, officialSpecDir, SUBSET_FILE } from './spec.ts';
