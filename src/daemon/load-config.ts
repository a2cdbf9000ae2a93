// Reading and validating the configuration for the daemon (start and SIGHUP): the same checker as
// `vipd -t`, so a config the daemon refuses is exactly one `-t` rejects.
import { loadChecker } from '../cli/hooks.js';
import { formatDiagnostic } from '../config/tree.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { DaemonOptions } from './options.js';

export type Loaded = { ok: true; model: KeepalivedConfig; warnings: string[] } | { ok: false; exitCode: number; errors: string[] };

export async function loadConfig(opts: DaemonOptions): Promise<Loaded> {
  const checker = await loadChecker();
  const r = await checker.checkConfig(opts.configFile, { configId: opts.configId, allConfig: false });
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  const warnings = r.diagnostics.filter((d) => d.severity !== 'error').map(formatDiagnostic);
  if (r.exitCode !== 0 || !r.model) return { ok: false, exitCode: r.exitCode || 3, errors: errors.length ? errors : [`${opts.configFile}: configuration rejected`] };
  return { ok: true, model: r.model as KeepalivedConfig, warnings };
}
