// TCP_CHECK: the server is healthy when a TCP connection completes within connect_timeout.
import { connect } from 'node:net';
import { attempt, ok, fail, errText } from './attempt.js';
import type { CheckResult, Runnable, TcpCheckSpec } from './types.js';

export function run(spec: Runnable<TcpCheckSpec>, signal?: AbortSignal): Promise<CheckResult> {
  const t = spec.target;
  return attempt(t.timeoutMs, signal, `TCP connect ${t.ip}:${t.port}`, (a) => {
    const sock = connect({ host: t.ip, port: t.port, localAddress: t.bindto, localPort: t.bindPort });
    a.onCleanup(() => sock.destroy());
    sock.once('connect', () => {
      // close with RST: a FIN close would leave one TIME_WAIT socket per check for 60 s, and at
      // thousands of checks per second the kernel's ephemeral-port search through them dominates
      sock.resetAndDestroy();
      a.done(ok(`connected to ${t.ip}:${t.port}`));
    });
    sock.once('error', (e) => a.done(fail(`TCP connect ${t.ip}:${t.port}: ${errText(e)}`)));
  });
}
