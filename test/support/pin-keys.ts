// Runs before each test file (vitest setupFiles): accounts made by fixtures before any
// line starts are hashed under the same key the lines are configured with.
import { pinKeysFrom, usePinKeys } from '../../src/store/pin-hash.ts';
import { PIN_KEY } from './env.ts';

process.env.PIN_KEY = PIN_KEY;
usePinKeys(pinKeysFrom([PIN_KEY]));
