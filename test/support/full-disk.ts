// Loaded into a child instance with `--import`: makes the disk under OUTBOX_DIR "full"
// while the file `<OUTBOX_DIR>/.disk-full` exists. Every write to a file there then
// fails with ENOSPC, exactly as the kernel would report it (no tmpfs needed, no hook
// in the line's code): the line's own fs calls are the ones that fail.
import fs, { existsSync, readlinkSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join, resolve } from 'node:path';

const dir = process.env['OUTBOX_DIR'] ? resolve(process.env['OUTBOX_DIR']) : null;

function full(path: string | null): boolean {
  if (!dir || !path || !resolve(path).startsWith(dir + '/')) return false;
  return existsSync(join(dir, '.disk-full'));
}

function pathOfFd(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

function enospc(syscall: string, path: string | null): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOSPC: no space left on device, ${syscall}${path ? ` '${path}'` : ''}`);
  err.code = 'ENOSPC';
  err.errno = -28;
  err.syscall = syscall;
  if (path) err.path = path;
  return err;
}

const writeSync = fs.writeSync;
const writeFileSync = fs.writeFileSync;
const appendFileSync = fs.appendFileSync;

fs.writeSync = function patchedWriteSync(fd: number, ...rest: unknown[]) {
  const path = pathOfFd(fd);
  if (full(path)) throw enospc('write', path);
  return (writeSync as (fd: number, ...a: unknown[]) => number)(fd, ...rest);
} as typeof fs.writeSync;

fs.writeFileSync = function patchedWriteFileSync(file: fs.PathOrFileDescriptor, ...rest: unknown[]) {
  const path = typeof file === 'number' ? pathOfFd(file) : String(file);
  if (full(path)) throw enospc('write', path);
  return (writeFileSync as (f: fs.PathOrFileDescriptor, ...a: unknown[]) => void)(file, ...rest);
} as typeof fs.writeFileSync;

fs.appendFileSync = function patchedAppendFileSync(file: fs.PathOrFileDescriptor, ...rest: unknown[]) {
  const path = typeof file === 'number' ? pathOfFd(file) : String(file);
  if (full(path)) throw enospc('write', path);
  return (appendFileSync as (f: fs.PathOrFileDescriptor, ...a: unknown[]) => void)(file, ...rest);
} as typeof fs.appendFileSync;

syncBuiltinESMExports();
