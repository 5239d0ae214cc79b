#!/usr/bin/env node
// The support-line command. TypeScript runs through tsx, as `npm start` does; the
// production image runs the compiled dist/cli/run.js instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/run.ts');
