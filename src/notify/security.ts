// enable_script_security: keepalived's rules for deciding whether a configured script may be run.
//
// Rules (keepalived 2.2.7 behaviour, verified with `keepalived -t` on real files and modes):
//   1. A bare command name (no '/') is searched in PATH for a regular file executable by the script
//      user; found -> warning "resolved by path search ... please specify full path"; not found -> disabled.
//   2. The file must exist (realpath) and be executable by the script's uid/gid, else it is disabled.
//   3. Only scripts that run with root power need protection: uid 0 or gid 0, or a setuid-root /
//      setgid-root executable.
//   4. For those, every path prefix ("/", "/a", "/a/b", ..., the file) of the path as written AND of its
//      symlink-resolved real path is stat()ed (following symlinks, so "/bin -> usr/bin" is fine, but a
//      symlink into a world-writable directory is caught through the real path). A prefix is unsafe when
//      its owner is not root, or when it is a file or a non-sticky directory that is writable by a
//      non-root group or by everyone. Sticky directories such as /tmp are accepted.
//   5. Unsafe + enable_script_security -> the script is disabled (error). Unsafe without it -> warning.
// All checks are synchronous filesystem stats done once at configuration load (and by `vipd -t`),
// never on the event-loop hot path.
import { statSync, realpathSync, openSync, readSync, closeSync, type Stats } from 'node:fs';
import { delimiter } from 'node:path';
import type { Diagnostic, SourcePos } from '../config/tree.js';
import type { ScriptUser } from './users.js';

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;
const S_IWGRP = 0o020;
const S_IWOTH = 0o002;

export interface ScriptSecurityInput {
  /** The parsed command (argv[0] is the program). */
  argv: readonly string[];
  /** Who will run it. */
  user: ScriptUser;
  /** Global `enable_script_security`. */
  scriptSecurity: boolean;
  /** Where the keyword was written, for diagnostics (file:line). */
  pos: SourcePos;
  /** What the script is, for messages, e.g. "notify_master script of VI_1" or "track script chk". */
  what: string;
  /** PATH used for bare names (default: process.env.PATH or the POSIX default). */
  searchPath?: string;
}

export interface ScriptSecurityResult {
  /** false: keepalived would disable this script; do not run it. */
  runnable: boolean;
  /** Some path element is writable by non-root (reported even when security is not enforced). */
  insecure: boolean;
  /** argv to execute (argv[0] replaced by the PATH-resolved name when it was a bare name). */
  argv: string[];
  /** The script runs with root power (uid/gid 0 or setuid/setgid root): the only case that is checked. */
  needsProtection: boolean;
  diagnostics: Diagnostic[];
}

function isExecutableBy(st: Stats, uid: number, gid: number): boolean {
  const m = st.mode;
  if (uid === 0) return (m & 0o111) !== 0;
  if (uid === st.uid) return (m & 0o100) !== 0;
  if (gid === st.gid) return (m & 0o010) !== 0;
  return (m & 0o001) !== 0;
}

function tryStat(p: string): Stats | undefined {
  try { return statSync(p); } catch { return undefined; }
}

/** Every prefix of an absolute path: "/", "/a", "/a/b", ..., the full path. */
export function pathPrefixes(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  const out = ['/'];
  let cur = '';
  for (const p of parts) {
    cur += '/' + p;
    out.push(cur);
  }
  return out;
}

/** Why `p` (already stat()ed) would let a non-root user replace what root executes, or undefined. */
export function unsafeReason(st: Stats): string | undefined {
  if (st.uid !== 0) return `owned by uid ${st.uid}`;
  const checked = st.isFile() || (st.isDirectory() && (st.mode & S_ISVTX) === 0);
  if (!checked) return undefined;
  if (st.gid !== 0 && (st.mode & S_IWGRP) !== 0) return `writable by group ${st.gid}`;
  if ((st.mode & S_IWOTH) !== 0) return 'writable by everyone';
  return undefined;
}

/** First unsafe element of `path` (following symlinks per element), or undefined when all are safe. */
export function findUnsafeElement(path: string): { element: string; reason: string } | undefined {
  for (const el of pathPrefixes(path)) {
    const st = tryStat(el);
    if (!st) return { element: el, reason: 'cannot be accessed' };
    const reason = unsafeReason(st);
    if (reason) return { element: el, reason };
  }
  return undefined;
}

/** Starts with "#!" or is an ELF binary (what execve accepts). Unreadable = assume fine. */
function hasExecMagic(path: string): boolean {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    return (n >= 2 && b[0] === 0x23 && b[1] === 0x21) || (n === 4 && b.readUInt32BE(0) === 0x7f454c46);
  } catch {
    return true;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function searchInPath(name: string, user: ScriptUser, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    const candidate = `${dir === '' ? '.' : dir}/${name}`;
    const st = tryStat(candidate);
    if (st && st.isFile() && isExecutableBy(st, user.uid, user.gid)) return candidate;
  }
  return undefined;
}

export function checkScriptSecurity(input: ScriptSecurityInput): ScriptSecurityResult {
  const { pos, what, user } = input;
  const diagnostics: Diagnostic[] = [];
  const diag = (severity: Diagnostic['severity'], message: string): void => {
    diagnostics.push({ file: pos.file, line: pos.line, severity, message: `${what}: ${message}` });
  };
  const argv = [...input.argv];
  const fail = (message: string): ScriptSecurityResult => {
    diag('error', message);
    return { runnable: false, insecure: false, argv, needsProtection: false, diagnostics };
  };
  const prog = argv[0];
  if (prog === undefined || prog === '') return fail('empty command');

  if (!prog.includes('/')) {
    const sp = input.searchPath ?? process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    const found = searchInPath(prog, user, sp);
    if (!found) return fail(`cannot find script '${prog}' in PATH - disabling`);
    diag('warning', `script '${prog}' resolved by path search to '${found}'; please specify the full path`);
    argv[0] = found;
  }
  const path = argv[0] as string;
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    return fail(`script '${path}' cannot be accessed (${(e as NodeJS.ErrnoException).code ?? 'error'}) - disabling`);
  }
  const st = tryStat(real);
  if (!st || !st.isFile()) return fail(`script '${path}' is not a regular file - disabling`);
  if (!isExecutableBy(st, user.uid, user.gid)) {
    return fail(`script '${path}' is not executable for uid:gid ${user.uid}:${user.gid} - disabling`);
  }
  if (!hasExecMagic(real)) {
    // keepalived 2.2.7 (Debian, no libmagic) execve()s the file, gets ENOEXEC and the script
    // silently never runs; vipd's runner falls back to /bin/sh like execvp does. Tell the operator.
    diag('warning', `script '${path}' has no #! line: keepalived would fail to execute it; vipd runs it with /bin/sh`);
  }
  const needsProtection = user.uid === 0 || user.gid === 0
    || (st.uid === 0 && (st.mode & 0o100) !== 0 && (st.mode & S_ISUID) !== 0)
    || (st.gid === 0 && (st.mode & 0o010) !== 0 && (st.mode & S_ISGID) !== 0);
  let insecure = false;
  if (needsProtection) {
    const paths = real === path ? [path] : [path, real];
    for (const p of paths) {
      const bad = findUnsafeElement(p);
      if (!bad) continue;
      insecure = true;
      const via = p === path ? '' : ` (real path '${real}')`;
      if (input.scriptSecurity) {
        diag('error', `unsafe permissions found for script '${path}'${via}: '${bad.element}' is ${bad.reason} - disabling`);
      } else {
        diag('warning', `unsafe permissions found for script '${path}'${via}: '${bad.element}' is ${bad.reason} (enable_script_security would disable it)`);
      }
      break;
    }
  }
  return { runnable: !(insecure && input.scriptSecurity), insecure, argv, needsProtection, diagnostics };
}

/**
 * keepalived's global warning when some script run with root power is insecure but
 * enable_script_security is off (verified: keepalived 2.2.7 prints it only when such a script exists).
 * `pos` is where the first insecure script is configured.
 */
export function scriptSecurityNotEnabled(anyInsecureScript: boolean, scriptSecurity: boolean, pos: SourcePos): Diagnostic | undefined {
  if (!anyInsecureScript || scriptSecurity) return undefined;
  return {
    file: pos.file, line: pos.line, severity: 'warning',
    message: 'SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts.',
  };
}
