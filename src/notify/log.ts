// The minimal logger the notify/track modules need. The daemon passes its own; tests and tools may
// omit it (silent) or collect lines.
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** A logger that keeps every line, for tests and `vipd -t` style reporting. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(msg: string): void { this.lines.push(`info: ${msg}`); }
  warn(msg: string): void { this.lines.push(`warn: ${msg}`); }
  error(msg: string): void { this.lines.push(`error: ${msg}`); }
}
