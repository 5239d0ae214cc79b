// Starts the SLA watcher and the notifier on a running line. Every instance runs
// both: they share the work through row locks, so more instances never mean more
// warnings, breaches or messages. The routers are mounted by the console, behind
// its sign-in (src/http/console/component.ts).
import type { Line } from '../runtime.ts';
import { notifierComponent } from '../workers/notifier.ts';
import { slaWatcherComponent } from '../workers/sla-watcher.ts';

export function startSlaWorkers(line: Line): void {
  const notifier = notifierComponent(line);
  // Stopped in reverse: the watcher first, so nothing is queued after the notifier stops.
  line.components.push(notifier, slaWatcherComponent(line, { onQueued: () => notifier.notifier.kick() }));
}
