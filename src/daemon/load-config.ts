// Reading and validating the configuration for the daemon (start and SIGHUP): the same checker as
// `vipd -t`, so a config the daemon refuses is exactly one `-t` rejects.
import { loadChecker } from '../cli/hooks.js';
import { formatDiagnostic } from '../config/tree.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { DaemonOptions } from './options.js';

/** `keepalived -t` (2.2.7) exit code for scripts configured without script security. */
const SCRIPT_SECURITY_EXIT = 6;

export type Loaded = { ok: true; model: KeepalivedConfig; warnings: string[] } | { ok: false; exitCode: number; errors: string[] };

export async function loadConfig(opts: DaemonOptions): Promise<Loaded> {
  const checker = await loadChecker();
  const r = await checker.checkConfig(opts.configFile, { configId: opts.configId, allConfig: false });
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  const warnings = r.diagnostics.filter((d) => d.severity !== 'error').map(formatDiagnostic);
  // keepalived runs scripts without enable_script_security (exit 6 under -t) after a loud warning;
  // so do we. Every other verdict that `-t` rejects is refused, at start and on reload alike.
  if ((r.exitCode !== 0 && r.exitCode !== SCRIPT_SECURITY_EXIT) || !r.model) return { ok: false, exitCode: r.exitCode || 3, errors: errors.length ? errors : [`${opts.configFile}: configuration rejected`] };
  if (r.exitCode === SCRIPT_SECURITY_EXIT) warnings.push(...errors);
  return { ok: true, model: r.model as KeepalivedConfig, warnings };
}
