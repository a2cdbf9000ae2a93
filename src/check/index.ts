// The checker registry: one `run(spec, signal)` per keepalived checker kind.
import * as tcp from './tcp.js';
import * as http from './http.js';
import * as smtp from './smtp.js';
import * as dns from './dns.js';
import * as udp from './udp.js';
import * as ping from './ping.js';
import * as misc from './misc.js';
import * as file from './file.js';
import type { CheckResult, Runnable } from './types.js';

export function runCheck(spec: Runnable, signal?: AbortSignal): Promise<CheckResult> {
  switch (spec.kind) {
    case 'TCP_CHECK': return tcp.run(spec, signal);
    case 'HTTP_GET': case 'SSL_GET': return http.run(spec, signal);
    case 'SMTP_CHECK': return smtp.run(spec, signal);
    case 'DNS_CHECK': return dns.run(spec, signal);
    case 'UDP_CHECK': return udp.run(spec, signal);
    case 'PING_CHECK': return ping.run(spec, signal);
    case 'MISC_CHECK': return misc.run(spec, signal);
    case 'FILE_CHECK': return file.run(spec, signal);
  }
}
