// A real Asterisk for the benchmark: the installed binary (ASTERISK_BIN, else
// /opt/asterisk/sbin/asterisk) started in the foreground with a configuration this
// file writes to a temporary folder, so the machine's own Asterisk set-up is never
// touched. The dialplan is the project's dialplan/extensions.conf as shipped, plus the
// benchmark's own contexts (scripted callers, a pure-dialplan IVR, lab phones); ARI and
// HTTP listen on loopback only, on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderPrompts } from '../../prompts/render.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_BIN = '/opt/asterisk/sbin/asterisk';

/** The Asterisk binary to benchmark against, or null when this machine has none. */
export function findAsterisk(env: NodeJS.ProcessEnv = process.env): string | null {
  const bin = env['ASTERISK_BIN'] || DEFAULT_BIN;
  try {
    accessSync(bin, constants.X_OK);
    return bin;
  } catch {
    return null;
  }
}

export interface Pbx {
  /** http://127.0.0.1:<port> */
  url: string;
  username: string;
  password: string;
  /** The Stasis application the project's dialplan hands calls to. */
  app: string;
  version: string;
  dir: string;
  /** Runs a CLI command on this Asterisk (asterisk -rx). */
  cli(command: string): Promise<string>;
  /** CPU Asterisk has used so far (user + system, ms; Linux's /proc), NaN where unknown. */
  cpuMs(): number;
  /** The last lines of Asterisk's full log. */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export interface PbxOptions {
  bin: string;
  /** Dialplan appended after the project's extensions.conf. */
  extraDialplan: string;
  log?: (message: string) => void;
}

interface InstalledPaths {
  moddir: string;
  datadir: string;
}

/** Where the installed Asterisk keeps its modules and data (from its own asterisk.conf when there is one). */
function installedPaths(bin: string): InstalledPaths {
  const prefix = dirname(dirname(bin));
  const system = prefix === '/usr';
  const paths: InstalledPaths = {
    moddir: join(prefix, 'lib', 'asterisk', 'modules'),
    datadir: system ? '/var/lib/asterisk' : join(prefix, 'var', 'lib', 'asterisk'),
  };
  const conf = system ? '/etc/asterisk/asterisk.conf' : join(prefix, 'etc', 'asterisk', 'asterisk.conf');
  if (existsSync(conf)) {
    for (const line of readFileSync(conf, 'utf8').split('\n')) {
      const m = /^\s*(astmoddir|astdatadir)\s*=>?\s*(\S+)/.exec(line);
      if (m?.[1] === 'astmoddir') paths.moddir = m[2]!;
      if (m?.[1] === 'astdatadir') paths.datadir = m[2]!;
    }
  }
  return paths;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The sounds folder: the installed English sounds (digits, beep: the line speaks
 * ticket references with them) linked one by one, and the project's rendered prompts as
 * support-line/.
 */
function soundsFolder(dir: string, installed: InstalledPaths): void {
  const data = join(dir, 'data');
  mkdirSync(join(data, 'sounds', 'en'), { recursive: true });
  for (const entry of existsSync(installed.datadir) ? readdirSync(installed.datadir) : []) {
    if (entry !== 'sounds') symlinkSync(join(installed.datadir, entry), join(data, entry));
  }
  const en = join(installed.datadir, 'sounds', 'en');
  for (const entry of existsSync(en) ? readdirSync(en) : []) {
    if (entry !== 'support-line') symlinkSync(join(en, entry), join(data, 'sounds', 'en', entry));
  }
  const rendered = join(REPO, 'prompts', 'rendered');
  renderPrompts(rendered);
  symlinkSync(rendered, join(data, 'sounds', 'en', 'support-line'));
}

function writeConfig(dir: string, installed: InstalledPaths, port: number, password: string, extraDialplan: string): string {
  const etc = join(dir, 'etc');
  for (const sub of ['etc', 'run', 'log', 'spool/recording', 'lib', 'keys']) mkdirSync(join(dir, sub), { recursive: true });
  const asteriskConf = join(etc, 'asterisk.conf');
  writeFileSync(
    asteriskConf,
    [
      '[directories]',
      `astetcdir => ${etc}`,
      `astmoddir => ${installed.moddir}`,
      `astvarlibdir => ${join(dir, 'lib')}`,
      `astdbdir => ${join(dir, 'lib')}`,
      `astkeydir => ${join(dir, 'keys')}`,
      `astdatadir => ${join(dir, 'data')}`,
      `astagidir => ${join(dir, 'data', 'agi-bin')}`,
      `astspooldir => ${join(dir, 'spool')}`,
      `astrundir => ${join(dir, 'run')}`,
      `astlogdir => ${join(dir, 'log')}`,
      '[options]',
      'verbose = 3',
      'maxcalls = 5000',
      'maxfiles = 65536',
      '',
    ].join('\n'),
  );
  writeFileSync(join(etc, 'modules.conf'), ['[modules]', 'autoload = yes', ''].join('\n'));
  writeFileSync(join(etc, 'logger.conf'), ['[general]', 'dateformat = %F %T.%3q', '[logfiles]', 'full => notice,warning,error,verbose,dtmf', ''].join('\n'));
  // The project's ARI and HTTP files as shipped, with the password and the port set and
  // HTTP on loopback (the only edits an operator makes).
  const ari = readFileSync(join(REPO, 'dialplan', 'ari.conf'), 'utf8').replace(/^password = .*$/m, `password = ${password}`);
  writeFileSync(join(etc, 'ari.conf'), ari);
  const http = readFileSync(join(REPO, 'dialplan', 'http.conf'), 'utf8')
    .replace(/^bindaddr = .*$/m, 'bindaddr = 127.0.0.1')
    .replace(/^bindport = .*$/m, `bindport = ${port}`);
  writeFileSync(join(etc, 'http.conf'), `${http}\n; The benchmark's callers and the line make many requests at once.\nsessionlimit = 2000\n`);
  const extensions = readFileSync(join(REPO, 'dialplan', 'extensions.conf'), 'utf8');
  writeFileSync(join(etc, 'extensions.conf'), `${extensions}\n; --- the benchmark's own contexts ---\n${extraDialplan}\n`);
  // The line starts music on hold while the desk rings; the benchmark has no music, so
  // the default class loops the prompts folder (nothing here measures what it plays).
  writeFileSync(join(etc, 'musiconhold.conf'), ['[default]', 'mode = files', `directory = ${join(dir, 'data', 'sounds', 'en', 'support-line')}`, ''].join('\n'));
  return asteriskConf;
}

export async function startPbx(opts: PbxOptions): Promise<Pbx> {
  const log = opts.log ?? (() => undefined);
  const installed = installedPaths(opts.bin);
  const dir = mkdtempSync(join(tmpdir(), 'sl-bench-asterisk-'));
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  let child: ChildProcess | null = null;
  try {
    soundsFolder(dir, installed);
    const conf = writeConfig(dir, installed, port, password, opts.extraDialplan);
    child = spawn(opts.bin, ['-f', '-n', '-C', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-4_000);
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    const auth = `Basic ${Buffer.from(`support-line:${password}`).toString('base64')}`;
    const deadline = performance.now() + 60_000;
    let version = '';
    while (!version) {
      if (child.exitCode !== null) throw new Error(`Asterisk exited (${child.exitCode}): ${stderr}`);
      if (performance.now() > deadline) throw new Error(`Asterisk did not answer on ${url} within 60 s: ${stderr}`);
      try {
        const res = await fetch(`${url}/ari/asterisk/info`, { headers: { authorization: auth }, signal: AbortSignal.timeout(1_000) });
        if (res.ok) version = ((await res.json()) as { system?: { version?: string } }).system?.version ?? 'unknown';
      } catch {
        // Not listening yet.
      }
      if (!version) await new Promise((r) => setTimeout(r, 200));
    }
    // Asterisk answers HTTP before every module has loaded.
    const cli = (command: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const p = spawn(opts.bin, ['-C', conf, '-rx', command], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
        p.once('error', reject);
        p.once('exit', () => resolve(out));
      });
    for (let i = 0; i < 100; i++) {
      if ((await cli('core waitfullybooted')).includes('fully booted')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`asterisk: ${version} on ${url} (config in ${dir})`);
    const started = child;
    return {
      url,
      username: 'support-line',
      password,
      app: 'support-line',
      version,
      dir,
      cli,
      cpuMs() {
        try {
          // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name, in clock ticks (100 a second on Linux).
          const fields = readFileSync(`/proc/${started.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
          return (Number(fields[11]) + Number(fields[12])) * 10;
        } catch {
          return Number.NaN;
        }
      },
      tail(lines = 40) {
        const full = join(dir, 'log', 'full');
        if (!existsSync(full)) return '';
        return readFileSync(full, 'utf8').split('\n').slice(-lines).join('\n');
      },
      async stop() {
        if (started.exitCode === null) {
          await cli('core stop now');
          const timer = setTimeout(() => started.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        if (!process.env['BENCH_KEEP_ASTERISK_DIR']) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
