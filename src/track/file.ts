// track_file tracker: an integer read from a file, re-read whenever the file changes.
//
// keepalived semantics (track_file.c):
//   - the value is parsed like strtol(buf, NULL, 0): leading blanks, optional sign, 0x.. hex,
//     0.. octal, decimal, stop at the first other character; no digits -> 0;
//   - a value outside the 32-bit range is ignored (the previous value stays), logged;
//   - a missing, unreadable or empty file counts as 0, and so does deleting it;
//   - `init_file [VALUE] [overwrite]` writes VALUE (default 0) at start if the file does not exist,
//     or always with `overwrite`;
//   - the directory must exist, else the tracker is unusable (keepalived drops it with a config error).
// Watching: keepalived uses inotify IN_CLOSE_WRITE|IN_DELETE|IN_MOVE on the directory. We use
// fs.watch on the directory (inotify underneath) and re-read after a short settle delay, so that a
// writer's truncate-then-write is read once, complete, rather than as a transient 0.
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, writeFile, stat, access } from 'node:fs/promises';
import { dirname, basename, resolve } from 'node:path';
import { silentLogger, type Logger } from '../notify/log.js';

export interface TrackFileConfig {
  name: string;
  path: string;
  weight?: number;
  reverse?: boolean;
  initFile?: { value?: number; overwrite?: boolean };
  /** Quiet time after the last change event before the file is re-read (default 30 ms). */
  settleMs?: number;
  log?: Logger;
}

/** strtol(text, NULL, 0) as keepalived reads track files. Returns undefined when out of int32 range. */
export function parseTrackFileValue(text: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(text);
  const sign = m?.[1] === '-' ? -1 : 1;
  const digits = m?.[2];
  if (!digits) return 0;
  let v: number;
  if (/^0[xX]/.test(digits)) v = parseInt(digits.slice(2), 16);
  else if (digits.length > 1 && digits.startsWith('0')) v = parseInt(digits, 8);
  else v = parseInt(digits, 10);
  v *= sign;
  // keepalived accepts INT32_MIN..INT32_MAX+1
  if (!Number.isFinite(v) || v < -2147483648 || v > 2147483648) return undefined;
  return v;
}

export interface TrackFileEvents {
  change: [value: number, previous: number];
}

export class TrackFile extends EventEmitter<TrackFileEvents> {
  private current = 0;
  private watcher?: FSWatcher;
  private settle?: NodeJS.Timeout;
  private reading = false;
  private active = false;
  private rereadWanted = false;
  private readonly log: Logger;
  readonly path: string;

  constructor(readonly config: TrackFileConfig) {
    super();
    this.log = config.log ?? silentLogger;
    this.path = resolve(config.path);
  }

  get value(): number {
    return this.current;
  }

  /** Initialise the file if asked, read it, and start watching. Resolves false when the directory is missing. */
  async start(): Promise<boolean> {
    const dir = dirname(this.path);
    try {
      const st = await stat(dir);
      if (!st.isDirectory()) throw new Error('not a directory');
    } catch {
      this.log.error(`track file ${this.config.name}: directory ${dir} does not exist - ignoring`);
      return false;
    }
    const init = this.config.initFile;
    if (init) {
      let exists = true;
      try { await access(this.path); } catch { exists = false; }
      if (!exists || init.overwrite) {
        try { await writeFile(this.path, `${init.value ?? 0}\n`); } catch (e) {
          this.log.error(`track file ${this.config.name}: cannot initialise ${this.path}: ${(e as Error).message}`);
        }
      }
    }
    this.current = await this.readValue(this.current);
    this.active = true;
    const base = basename(this.path);
    try {
      this.watcher = watch(dir, { persistent: true }, (_event, filename) => {
        if (filename === null || filename === base) this.scheduleRead();
      });
      this.watcher.on('error', (e) => this.log.error(`track file ${this.config.name}: watch error ${e.message}`));
    } catch (e) {
      this.log.error(`track file ${this.config.name}: unable to watch ${dir}: ${(e as Error).message}`);
    }
    return true;
  }

  private async readValue(previous: number): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return 0; // missing or unreadable file = 0
    }
    const v = parseTrackFileValue(text);
    if (v === undefined) {
      this.log.warn(`track file ${this.config.name}: invalid number read from ${this.path} - ignoring`);
      return previous;
    }
    return v;
  }

  private scheduleRead(): void {
    clearTimeout(this.settle);
    this.settle = setTimeout(() => void this.reread(), this.config.settleMs ?? 30);
  }

  /** Re-read now (also used by tests and by a SIGHUP-style refresh). Serialised; never throws. */
  async reread(): Promise<void> {
    if (this.reading) {
      this.rereadWanted = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.rereadWanted = false;
        const prev = this.current;
        const v = await this.readValue(prev);
        if (!this.active) return; // stopped meanwhile
        if (v !== prev) {
          this.current = v;
          this.log.info(`track file ${this.config.name}: value ${prev} -> ${v}`);
          this.emit('change', v, prev);
        }
      } while (this.rereadWanted);
    } finally {
      this.reading = false;
    }
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
