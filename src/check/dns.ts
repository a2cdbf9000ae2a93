// DNS_CHECK: one UDP query (type d: SOA, name d: "."); healthy when a reply with our id, the
// response flag, rcode NOERROR and our question comes back. Bad packets are ignored (the attempt
// keeps waiting for a good one until its deadline), never thrown.
import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { attempt, ok, fail, errText } from './attempt.js';
import type { CheckResult, DnsCheckSpec, Runnable } from './types.js';

export function buildQuery(id: number, type: string, name: string): Buffer {
  return dnsPacket.encode({
    type: 'query', id, flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: type as 'A', name: name === '.' ? '.' : name.replace(/\.$/, ''), class: 'IN' }],
  });
}

/** Why `reply` does not answer query (id, type, name), or undefined when it does. */
export function replyProblem(reply: Buffer, id: number, type: string, name: string): string | undefined {
  let p: ReturnType<typeof dnsPacket.decode>;
  try { p = dnsPacket.decode(reply); } catch (e) { return `undecodable reply: ${errText(e)}`; }
  if (p.id !== id) return `reply id ${p.id}, expected ${id}`;
  if (p.type !== 'response') return 'not a response';
  const rcode = (p.flags ?? 0) & 0x0f; // low 4 bits of the flags word
  if (rcode !== 0) return `rcode ${rcode}`;
  const q = p.questions?.[0];
  const want = name === '.' ? '' : name.replace(/\.$/, '').toLowerCase();
  if (!q || q.type !== type || q.name.toLowerCase().replace(/\.$/, '') !== want) return 'reply question does not match';
  return undefined;
}

export function run(spec: Runnable<DnsCheckSpec>, signal?: AbortSignal): Promise<CheckResult> {
  const t = spec.target;
  const type = spec.type ?? 'SOA';
  const name = spec.name ?? '.';
  const where = `DNS ${type} ${name} @${t.ip}:${t.port}`;
  return attempt(t.timeoutMs, signal, where, (a) => {
    const sock = createSocket(t.ip.includes(':') ? 'udp6' : 'udp4');
    a.onCleanup(() => sock.close());
    const id = randomInt(0, 0x10000);
    let lastProblem = '';
    sock.on('error', (e) => a.done(fail(`${where}: ${errText(e)}`)));
    sock.on('message', (msg) => {
      const why = replyProblem(msg, id, type, name);
      if (!why) a.done(ok(`${where}: answered`));
      else lastProblem = why;
      if (lastProblem && /rcode/.test(lastProblem)) a.done(fail(`${where}: ${lastProblem}`));
    });
    const send = (): void => sock.send(buildQuery(id, type, name), (e) => { if (e) a.done(fail(`${where}: ${errText(e)}`)); });
    sock.bind({ address: t.bindto, port: t.bindPort ?? 0 }, () => {
      sock.connect(t.port, t.ip, () => send());
    });
  });
}
