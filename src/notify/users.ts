// Resolve `script_user USER [[:]GROUP]` / per-script `user group` names to numeric ids by reading
// /etc/passwd and /etc/group directly (Node has no getpwnam). Synchronous on purpose: it runs at
// configuration time only, on small local files, never on the event-loop hot path.
import { readFileSync } from 'node:fs';

export interface AccountFiles {
  passwd?: string; // path, default /etc/passwd
  group?: string; // path, default /etc/group
}

export interface PasswdEntry { name: string; uid: number; gid: number; home: string; shell: string }
export interface GroupEntry { name: string; gid: number; members: string[] }

/** The identity a script runs as. `user`/`group` are kept for messages. */
export interface ScriptUser {
  uid: number;
  gid: number;
  user: string;
  group?: string;
  /** `:GROUP` form asked for the user's supplementary groups (keepalived's set_supplementary_groups). */
  supplementaryGroups?: number[];
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n');
  } catch {
    return [];
  }
}

export function readPasswd(path = '/etc/passwd'): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of readLines(path)) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0] as string, uid, gid, home: f[5] as string, shell: f[6] as string });
  }
  return out;
}

export function readGroups(path = '/etc/group'): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of readLines(path)) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0] as string, gid, members: (f[3] as string).split(',').filter(Boolean) });
  }
  return out;
}

export function lookupUser(name: string, files: AccountFiles = {}): PasswdEntry | undefined {
  return readPasswd(files.passwd).find((e) => e.name === name);
}

export function lookupGroup(name: string, files: AccountFiles = {}): GroupEntry | undefined {
  return readGroups(files.group).find((e) => e.name === name);
}

export type UserResult = { ok: true; user: ScriptUser } | { ok: false; error: string };

/**
 * keepalived's set_uid_gid(): USER must exist; GROUP defaults to the user's primary group;
 * a GROUP starting with ':' (or a lone ':') additionally requests the supplementary groups.
 */
export function resolveScriptUser(username: string, groupname?: string, files: AccountFiles = {}): UserResult {
  const pw = lookupUser(username, files);
  if (!pw) return { ok: false, error: `script user '${username}' does not exist` };
  let gid = pw.gid;
  let group: string | undefined;
  let wantSupplementary = false;
  let g = groupname;
  if (g !== undefined && g.startsWith(':')) {
    wantSupplementary = true;
    g = g.length > 1 ? g.slice(1) : undefined;
  }
  if (g !== undefined) {
    const gr = lookupGroup(g, files);
    if (!gr) return { ok: false, error: `script group '${g}' does not exist` };
    gid = gr.gid;
    group = gr.name;
  }
  const user: ScriptUser = { uid: pw.uid, gid, user: pw.name, group };
  if (wantSupplementary) {
    user.supplementaryGroups = readGroups(files.group)
      .filter((e) => e.members.includes(pw.name) || e.gid === pw.gid)
      .map((e) => e.gid);
  }
  return { ok: true, user };
}

export const DEFAULT_SCRIPT_USER = 'keepalived_script';

/**
 * Default identity for scripts without an explicit user: `keepalived_script` if that account exists,
 * otherwise the daemon's own uid/gid, with a warning (keepalived logs the same advice).
 */
export function defaultScriptUser(files: AccountFiles = {}): { user: ScriptUser; warning?: string } {
  const r = resolveScriptUser(DEFAULT_SCRIPT_USER, undefined, files);
  if (r.ok) return { user: r.user };
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const gid = typeof process.getgid === 'function' ? process.getgid() : 0;
  const name = readPasswd(files.passwd).find((e) => e.uid === uid)?.name ?? String(uid);
  return {
    user: { uid, gid, user: name },
    warning: `default user '${DEFAULT_SCRIPT_USER}' for script execution does not exist - please create; scripts will run as '${name}' (uid ${uid})`,
  };
}
