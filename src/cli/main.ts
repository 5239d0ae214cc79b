// support-line: the command line. JSON on stdout; a bad argument is one line on
// stderr and exit code 2; anything else that fails is one line and exit code 1.
import { ConfigError } from '../config.ts';
import { ConflictError, InputError, NotFoundError, ValidationError } from '../store/errors.ts';
import { HelpRequest, UsageError, wantsHelp } from './args.ts';
import { createContext, type CliContext } from './context.ts';
import { announceCommand, incidentsCommand } from './commands/announce.ts';
import { calendarCommand } from './commands/calendar.ts';
import { callCommand } from './commands/call.ts';
import { migrateCommand, seedCommand } from './commands/migrate.ts';
import { accountsCommand, closuresCommand, engineersCommand, rotaCommand } from './commands/provision.ts';
import { routeCommand } from './commands/route.ts';
import { slaCommand } from './commands/sla.ts';
import { usersCommand } from './commands/users.ts';
import { notificationsCommand, ticketsCommand } from './commands/tickets.ts';
import { callsCommand } from './commands/calls-unaccounted.ts';
import { numbersCommand } from './commands/numbers.ts';

type Command = (ctx: CliContext, argv: string[]) => Promise<void>;

export const COMMANDS: Record<string, Command> = {
  migrate: migrateCommand,
  seed: seedCommand,
  accounts: accountsCommand,
  engineers: engineersCommand,
  rota: rotaCommand,
  closures: closuresCommand,
  calendar: calendarCommand,
  sla: slaCommand,
  route: routeCommand,
  call: callCommand,
  users: usersCommand,
  tickets: ticketsCommand,
  notifications: notificationsCommand,
  calls: callsCommand,
  numbers: numbersCommand,
  announce: announceCommand,
  incidents: incidentsCommand,
};

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export async function main(argv: string[], io: CliIo = STDIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(`usage: support-line <command> [options]   (support-line <command> --help for its options)\ncommands: ${Object.keys(COMMANDS).join(', ')}\n`);
    return name === undefined ? 2 : 0;
  }
  // Own names only: `constructor`, `toString` and `__proto__` are not commands.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`support-line: unknown command "${name ?? ''}"; expected one of ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  let ctx: CliContext | null = null;
  try {
    ctx = createContext(io.out);
    await command(ctx, rest);
    return 0;
  } catch (err) {
    if (err instanceof HelpRequest) {
      io.out(`usage: support-line ${argv.filter((a) => !wantsHelp([a])).join(' ')} [options]\n${err.message}\n`);
      return 0;
    }
    const bad = err instanceof UsageError || err instanceof ValidationError || err instanceof InputError || err instanceof ConflictError || err instanceof NotFoundError || err instanceof RangeError;
    const message = err instanceof ConfigError ? err.problems.join('; ') : (err as Error).message;
    io.err(`support-line ${name}: ${message.split('\n')[0]}\n`);
    return bad || err instanceof ConfigError ? 2 : 1;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
