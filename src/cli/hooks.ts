// Late-bound modules the CLI calls into: the configuration checker (src/config/check.ts), the daemon
// (src/daemon/run.ts) and the demo (src/daemon/demo.ts). They are written by other people and may not exist yet
// in a given build, so they are loaded by URL at run time and their exports are checked; a missing module is
// reported as "not implemented yet" instead of crashing the CLI with a module-resolution stack trace.
import { existsSync } from 'node:fs';
import type { Diagnostic } from '../config/tree.js';
import type { CliOptions } from './options.js';

export interface CheckResult {
  model?: unknown;
  diagnostics: Diagnostic[];
  exitCode: number;
}

/** Options handed to checkConfig: everything on the command line that changes how the config reads. */
export interface CheckOptions {
  configId?: string; // -i: which @ID lines apply
  allConfig: boolean; // -e: missing include files are errors
  namespace?: string; // -s
}

export interface CheckModule {
  checkConfig(path: string, opts: CheckOptions): CheckResult | Promise<CheckResult>;
  dumpConfig?(model: unknown): string;
}

export interface DaemonModule {
  runDaemon(opts: CliOptions): Promise<number> | number;
}

export interface DemoModule {
  runDemo(opts?: CliOptions): Promise<number> | number;
}

export class NotImplemented extends Error {}

async function load<T>(relPath: string, what: string, required: string[]): Promise<T> {
  const url = new URL(relPath, import.meta.url);
  if (!existsSync(url)) throw new NotImplemented(`${what} is not implemented yet (${relPath.replace(/^\.\.\//, 'src/').replace(/\.js$/, '.ts')} is missing)`);
  const mod = (await import(url.href)) as Record<string, unknown>;
  for (const name of required) {
    if (typeof mod[name] !== 'function') throw new NotImplemented(`${what} is not implemented yet (${relPath} does not export ${name}())`);
  }
  return mod as T;
}

export const loadChecker = (): Promise<CheckModule> => load<CheckModule>('../config/check.js', 'configuration checking', ['checkConfig']);
export const loadDaemon = (): Promise<DaemonModule> => load<DaemonModule>('../daemon/run.js', 'the daemon', ['runDaemon']);
export const loadDemo = (): Promise<DemoModule> => load<DemoModule>('../daemon/demo.js', 'the demo', ['runDemo']);
