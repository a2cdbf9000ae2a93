// What the daemon needs from the command line (the CLI maps keepalived's flags onto this).
export interface DaemonOptions {
  configFile: string;
  vrrpOnly?: boolean; // -P
  checkOnly?: boolean; // -C
  all?: boolean; // --all
  logConsole?: boolean; // -l
  logDetail?: boolean; // -D
  logFacility?: string; // -S
  logFile?: string; // -g
  noSyslog?: boolean; // -G
  releaseVips?: boolean; // -X
  dontReleaseVrrp?: boolean; // -V
  dontReleaseIpvs?: boolean; // -I
  dontRespawn?: boolean; // -R
  dontFork?: boolean; // -n
  dumpConf?: boolean; // -d
  pidFile?: string; // -p
  vrrpPidFile?: string; // -r
  checkersPidFile?: string; // -c
  configId?: string; // -i
  /** vipd extension: status API listen address, or null to disable. Default 127.0.0.1:9650. */
  apiListen?: string | null;
  /** vipd extension: directory for keepalived.data/.stats/.json dumps (keepalived: /tmp). */
  dumpDir?: string;
}

export const DEFAULT_PID_FILES = {
  parent: '/run/vipd.pid',
  vrrp: '/run/vipd_vrrp.pid',
  checkers: '/run/vipd_checkers.pid',
};
export const DEFAULT_API_LISTEN = '127.0.0.1:9650';

/** Exit codes (keepalived's meanings). */
export const EXIT = { OK: 0, NO_MEMORY: 1, FATAL: 2, CONFIG: 3, CONFIG_TEST: 4, MISSING_PERMISSION: 5 } as const;

/** Messages between the parent and its children over the IPC channel. */
export type ParentMsg =
  | { t: 'init'; opts: DaemonOptions }
  | { t: 'reload' }
  | { t: 'stop' }
  | { t: 'dump'; kind: 'data' | 'stats' | 'stats_clear' | 'json' }
  /** Send a status snapshot now (the parent asks when the API is read, instead of a periodic push). */
  | { t: 'status' };

export type ChildMsg =
  | { t: 'ready' }
  | { t: 'status'; status: unknown }
  | { t: 'reloaded'; ok: boolean; message?: string }
  | { t: 'fatal'; code: number; message: string };
