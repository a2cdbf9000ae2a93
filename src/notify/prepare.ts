// From configuration to runnable scripts: the glue the daemon and `vipd -t` call once per script
// keyword (notify_*, vrrp_script `script`, *_fifo_script, startup/shutdown scripts, MISC_CHECK...).
// It applies keepalived's order of checks: split the command line, resolve [user [group]] or the
// default script user, then enable_script_security. Everything wrong becomes a Diagnostic with the
// keyword's file:line; a script that keepalived would disable comes back without `spec`.
//
// Default user (verified with keepalived 2.2.7 `-t`):
//   - `script_user USER [GROUP]` given: that identity (unknown user/group: error, and every script
//     without its own user is removed);
//   - otherwise `keepalived_script` if the account exists;
//   - otherwise, without enable_script_security: the daemon's own uid/gid (root), with a warning;
//   - otherwise (enable_script_security and no keepalived_script): error "Unable to set default user
//     keepalived_script for script", and every script without its own user is removed.
import type { Diagnostic, SourcePos } from '../config/tree.js';
import { parseConfiguredCommand } from './cmdline.js';
import { checkScriptSecurity } from './security.js';
import { resolveScriptUser, defaultScriptUser, DEFAULT_SCRIPT_USER, type AccountFiles, type ScriptUser } from './users.js';
import type { ScriptSpec } from './script.js';

/** Structural view of the config model's script entry (src/config/model.ts ScriptSpec fits). */
export interface ConfiguredScript extends SourcePos {
  /** The command as written, outer quotes of the config line removed and nothing decoded,
   *  e.g. `/bin/check 'a b' \x41` (see parseConfiguredCommand for keepalived's double decoding). */
  cmd: string;
  user?: string;
  group?: string;
}

export interface ScriptContext {
  scriptSecurity: boolean;
  /** undefined when no usable default exists: scripts without their own user are removed. */
  defaultUser?: ScriptUser;
  accounts?: AccountFiles;
  searchPath?: string;
}

export interface GlobalScriptSettings {
  enableScriptSecurity: boolean;
  scriptUser?: { user: string; group?: string } & SourcePos;
}

export function scriptContext(global: GlobalScriptSettings, pos: SourcePos, accounts?: AccountFiles): { ctx: ScriptContext; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const ctx: ScriptContext = { scriptSecurity: global.enableScriptSecurity, accounts };
  if (global.scriptUser) {
    const r = resolveScriptUser(global.scriptUser.user, global.scriptUser.group, accounts);
    if (r.ok) ctx.defaultUser = r.user;
    else diagnostics.push({ file: global.scriptUser.file, line: global.scriptUser.line, severity: 'error', message: `script_user: ${r.error}` });
    return { ctx, diagnostics };
  }
  const d = defaultScriptUser(accounts);
  if (!d.warning) ctx.defaultUser = d.user;
  else if (!global.enableScriptSecurity) {
    ctx.defaultUser = d.user;
    diagnostics.push({ file: pos.file, line: pos.line, severity: 'warning', message: d.warning });
  } else {
    diagnostics.push({ file: pos.file, line: pos.line, severity: 'error', message: `Unable to set default user ${DEFAULT_SCRIPT_USER} for script` });
  }
  return { ctx, diagnostics };
}

export interface PreparedScript {
  /** Present when the script may run. */
  spec?: ScriptSpec;
  /** Some element of its path is writable by non-root (for the global SECURITY VIOLATION warning). */
  insecure: boolean;
  diagnostics: Diagnostic[];
}

/** `what` names the script in messages, e.g. "(VI_1) notify_master script" or "vrrp script chk". */
export function prepareScript(cfg: ConfiguredScript, what: string, ctx: ScriptContext): PreparedScript {
  const at = { file: cfg.file, line: cfg.line };
  const err = (message: string): PreparedScript => ({ insecure: false, diagnostics: [{ ...at, severity: 'error', message: `${what}: ${message}` }] });
  const parsed = parseConfiguredCommand(cfg.cmd);
  if (!parsed.ok) return err(`unable to parse script - ignoring (${parsed.error})`);
  let user: ScriptUser | undefined;
  if (cfg.user !== undefined) {
    const r = resolveScriptUser(cfg.user, cfg.group, ctx.accounts);
    if (!r.ok) return err(`invalid user/group (${r.error}) - ignoring`);
    user = r.user;
  } else {
    user = ctx.defaultUser;
    if (!user) return err('unable to set default user - removing');
  }
  const sec = checkScriptSecurity({ argv: parsed.argv, user, scriptSecurity: ctx.scriptSecurity, pos: at, what, searchPath: ctx.searchPath });
  return {
    spec: sec.runnable ? { argv: sec.argv, user } : undefined,
    insecure: sec.insecure,
    diagnostics: sec.diagnostics,
  };
}
