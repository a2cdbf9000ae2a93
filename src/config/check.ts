// `vipd -t` / `vipd -d`: read → build → validate, and keepalived 2.2.7's verdict as an exit code.
// Exit codes as observed with Debian's keepalived 2.2.7 `-t`:
//   0 clean · 2 a keyword is missing a required parameter (keepalived stops reading at once)
//   4 a linkbeat_interfaces entry does not exist and there is no other error
//   5 any configuration error (including the ones keepalived "fixes up" and runs anyway)
//   6 scripts would run as root while enable_script_security is off (wins over 5), or -e and a
//     configuration file is missing
import type { ConfigNode, Diagnostic } from './tree.js';
import type { KeepalivedConfig } from './model.js';
import { readConfig, readConfigText, type ReadOptions } from './reader.js';
import { buildModel } from './build.js';
import { defaultHostFacts, validate, type HostFacts } from './validate.js';

export { keywordCounts, keywordNames } from './build.js';

export const EXIT_OK = 0;
export const EXIT_FATAL = 2;
/** A linkbeat_interfaces entry names an interface that does not exist (and nothing else is wrong). */
export const EXIT_LINKBEAT_INTERFACE = 4;
export const EXIT_CONFIG_ERROR = 5;
export const EXIT_SCRIPT_SECURITY = 6;
/** With -e (all config files must exist) a missing include also exits 6 in keepalived 2.2.7. */
export const EXIT_MISSING_CONFIG_FILE = 6;

export interface CheckOptions extends ReadOptions {
  /** -i: which `@ID` lines apply. */
  configId?: string;
  /** -e: missing include files are errors. */
  allConfig?: boolean;
  /** -s: network namespace (interfaces are looked up where vipd runs; accepted for CLI parity). */
  namespace?: string;
  /** Host facts (interfaces, accounts); default: this machine. Tests inject their own. */
  host?: HostFacts;
}

export interface CheckResult {
  model?: KeepalivedConfig;
  diagnostics: Diagnostic[];
  exitCode: number;
}

function readOptions(opts: CheckOptions): ReadOptions {
  const r: ReadOptions = { ...opts };
  if (opts.allConfig) r.includeChecks = ['readable', 'match', 'wildcard_match', 'brace_match'];
  return r;
}

/** Builds and validates already-read nodes (used by checkConfig and by tests on hand-made trees). */
export function checkNodes(
  nodes: ConfigNode[],
  files: string[],
  readDiagnostics: Diagnostic[] = [],
  host: HostFacts = defaultHostFacts(),
  allConfig = false,
): CheckResult {
  const build = buildModel(nodes, files);
  if (!build.fatal) validate(build, host);
  const diagnostics = [...readDiagnostics, ...build.ctx.diagnostics];
  let exitCode = EXIT_OK;
  const errors = diagnostics.some((d) => d.severity === 'error');
  // -e: a missing configuration file makes keepalived 2.2.7 exit 6, whatever else is wrong.
  const missingFile = allConfig && readDiagnostics.some((d) => /^Config files missing/.test(d.message));
  if (build.fatal) exitCode = EXIT_FATAL;
  else if (missingFile) exitCode = EXIT_MISSING_CONFIG_FILE;
  else if (build.ctx.linkbeatMissing) exitCode = errors ? EXIT_CONFIG_ERROR : EXIT_LINKBEAT_INTERFACE;
  else if (build.ctx.securityViolation) exitCode = EXIT_SCRIPT_SECURITY;
  else if (errors) exitCode = EXIT_CONFIG_ERROR;
  return { model: build.model, diagnostics, exitCode };
}

export function checkConfig(path: string, opts: CheckOptions = {}): CheckResult {
  const read = readConfig(path, readOptions(opts));
  return checkNodes(read.nodes, read.files, read.diagnostics, opts.host ?? defaultHostFacts(), opts.allConfig === true);
}

export function checkConfigText(text: string, file = 'keepalived.conf', opts: CheckOptions = {}): CheckResult {
  const read = readConfigText(text, file, readOptions(opts));
  return checkNodes(read.nodes, read.files.length ? read.files : [file], read.diagnostics, opts.host ?? defaultHostFacts(), opts.allConfig === true);
}

// ---------------------------------------------------------------- dump (-d)

function fmtValue(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (v === null) return 'null';
  if (typeof v === 'string') return /^[\w./:@+-]+$/.test(v) && v !== '' ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.length ? v.map((x) => fmtValue(x)).join(' ') : '(none)';
  return undefined;
}

function isPos(v: object): v is { file: string; line: number } {
  return 'file' in v && 'line' in v && typeof (v as { line: unknown }).line === 'number';
}

function dumpObject(out: string[], obj: object, indent: string): void {
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'file' || k === 'line') continue;
    const simple = fmtValue(v);
    if (simple !== undefined) {
      out.push(`${indent}${k} = ${simple}`);
      continue;
    }
    if (v === undefined) continue;
    if (v instanceof Map) {
      if (v.size === 0) continue;
      for (const [name, item] of v) dumpItem(out, `${k} ${String(name)}`, item, indent);
    } else if (Array.isArray(v)) {
      if (v.length === 0) continue;
      v.forEach((item, i) => dumpItem(out, `${k}[${i}]`, item, indent));
    } else if (typeof v === 'object') {
      dumpItem(out, k, v, indent);
    }
  }
}

function dumpItem(out: string[], title: string, item: unknown, indent: string): void {
  const simple = fmtValue(item);
  if (simple !== undefined) {
    out.push(`${indent}${title} = ${simple}`);
    return;
  }
  if (typeof item !== 'object' || item === null) return;
  const where = isPos(item) && item.line > 0 ? `  (${item.file}:${item.line})` : '';
  out.push(`${indent}${title}${where}`);
  dumpObject(out, item, indent + '  ');
}

/** A readable dump of the parsed configuration with defaults applied (`vipd -d`). */
export function dumpConfig(model: KeepalivedConfig): string {
  const out: string[] = ['------< vipd configuration (keepalived.conf model, defaults applied) >------'];
  out.push(`files = ${model.files.join(' ')}`);
  const sections: Array<[string, unknown]> = [
    ['Top level', model.top],
    ['Global definitions', model.global],
    ['VRRP scripts', model.vrrpScripts],
    ['Tracked processes', model.trackProcesses],
    ['Tracked files', model.trackFiles],
    ['VRRP sync groups', model.vrrpSyncGroups],
    ['VRRP instances', model.vrrpInstances],
    ['Static addresses', model.staticIpaddresses],
    ['Static routes', model.staticRoutes],
    ['Static rules', model.staticRules],
    ['GARP groups', model.garpGroups],
    ['Linkbeat interfaces', model.linkbeatInterfaces],
    ['Interface up/down delays', model.interfaceUpDownDelays],
    ['Track groups', model.trackGroups],
    ['BFD instances', model.bfdInstances],
    ['SSL', model.ssl],
    ['Virtual server groups', model.virtualServerGroups],
    ['Virtual servers', model.virtualServers],
  ];
  for (const [title, value] of sections) {
    if (value === undefined) continue;
    if ((value instanceof Map && value.size === 0) || (Array.isArray(value) && value.length === 0)) continue;
    out.push('', `------< ${title} >------`);
    if (value instanceof Map) for (const [name, item] of value) dumpItem(out, String(name), item, ' ');
    else if (Array.isArray(value)) value.forEach((item: unknown) => dumpItem(out, (item as { name?: string }).name ?? describe(item), item, ' '));
    else dumpObject(out, value as object, ' ');
  }
  return out.join('\n') + '\n';
}

function describe(item: unknown): string {
  const o = item as { addr?: string; port?: number; dst?: string; kind?: string; fwmark?: number; group?: string; from?: string; to?: string };
  if (o.kind === 'fwmark') return `fwmark ${o.fwmark}`;
  if (o.kind === 'group') return `group ${o.group}`;
  if (o.addr !== undefined) return o.port !== undefined ? `${o.addr} ${o.port}` : o.addr;
  if (o.dst !== undefined) return o.dst;
  if (o.from !== undefined || o.to !== undefined) return `from ${o.from ?? 'all'} to ${o.to ?? 'all'}`;
  return 'entry';
}
