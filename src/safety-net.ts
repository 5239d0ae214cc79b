// The process's last line of defence. A promise rejection nothing handled is a bug
// (a background task that forgot its .catch), but it must not end the process: a
// crash drops every call in progress on this instance. It is logged with its error
// and counted (support_line_unhandled_rejections_total), and the line carries on.
//
// An uncaught exception is different: it was thrown through a stack that did not
// expect it, and the process's state can no longer be trusted. It is logged, and the
// process exits as Node would (the supervisor restarts it; calls resume from Redis).
import type { Logger } from 'pino';

export interface SafetyNet {
  /** Removes the handlers (tests). */
  remove(): void;
}

export function installSafetyNet(logger: Logger, onRejection: () => void = () => {}): SafetyNet {
  const rejection = (reason: unknown) => {
    onRejection();
    logger.error({ err: reason }, 'unhandled promise rejection: logged, the process carries on (a bug to fix)');
  };
  const exception = (err: Error, origin: string) => {
    logger.fatal({ err, origin }, 'uncaught exception: stopping the process');
    process.exitCode = 1;
    // Let the log line reach stdout before going.
    setImmediate(() => process.exit(1));
  };
  process.on('unhandledRejection', rejection);
  process.on('uncaughtException', exception);
  return {
    remove() {
      process.off('unhandledRejection', rejection);
      process.off('uncaughtException', exception);
    },
  };
}
