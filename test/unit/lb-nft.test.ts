// nftables rendering, weighted slot layout and backend validation (pure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderRuleset as renderRaw, renderTransaction, serviceChainName, parseMapElements } from '../../src/lb/nft.js';
import { slotWeights, interleavedSlots, contiguousSlots, maglevSlots, MAGLEV_TABLE_SIZE } from '../../src/lb/slots.js';
import { validateForBackend } from '../../src/lb/validate.js';
import type { ServiceState } from '../../src/lb/types.js';

/** Render, with each service's stable chain name replaced by vs<index> for readable assertions. */
function renderRuleset(services: ServiceState[], ...rest: Parameters<typeof renderRaw> extends [unknown, ...infer R] ? R : never): string {
  let out = renderRaw(services, ...rest);
  services.forEach((svc, i) => { out = out.split(serviceChainName(svc)).join(`vs${i}`); });
  return out;
}

const base: ServiceState = { name: 'web', vip: '203.0.113.10', port: 80, family: 'inet', protocol: 'TCP', lbAlgo: 'wrr', lbKind: 'NAT', usingSorryServer: false,
  backends: [{ ip: '198.51.100.11', port: 80, weight: 3 }, { ip: '198.51.100.12', port: 8080, weight: 1 }] };

test('slot weights: gcd reduction, cap keeps every live server', () => {
  assert.deepEqual(slotWeights([30, 10, 20]), [3, 1, 2]);
  assert.deepEqual(slotWeights([0, 5]), [0, 1]);
  const capped = slotWeights([100000, 1], 1024);
  assert.ok(capped[0]! <= 1024 && capped[1] === 1);
});

test('interleaved slots give each backend its weight share, spread out', () => {
  const s = interleavedSlots([3, 1, 1]);
  assert.equal(s.length, 5);
  assert.deepEqual([0, 1, 2].map((i) => s.filter((x) => x === i).length), [3, 1, 1]);
  assert.notDeepEqual(s.slice(0, 3), [0, 0, 0], 'weight 3 is not three consecutive slots');
  assert.deepEqual(interleavedSlots([1, 1, 1]), [0, 1, 2]);
  assert.deepEqual(contiguousSlots([2, 1]), [0, 0, 1]);
});

test('ruleset is one atomic replace of the vipd table', () => {
  const r = renderRuleset([base]);
  const lines = r.split('\n');
  assert.deepEqual(lines.slice(0, 3), ['add table inet vipd', 'delete table inet vipd', 'table inet vipd {']);
  assert.match(r, /ip daddr 203\.0\.113\.10 tcp dport 80 jump vs0/);
  assert.match(r, /meta l4proto tcp dnat ip addr \. port to numgen inc mod 4 map \{ 0 : 198\.51\.100\.11 \. 80, 1 : 198\.51\.100\.11 \. 80, 2 : 198\.51\.100\.12 \. 8080, 3 : 198\.51\.100\.11 \. 80 \}/);
  assert.doesNotMatch(r, /persist/);
  assert.match(renderRuleset([base], { table: 'lb2' }), /^add table inet lb2\n/);
});

test('rr ignores weights except 0; sh/mh hash the source address', () => {
  const rr = renderRuleset([{ ...base, lbAlgo: 'rr', backends: [...base.backends, { ip: '198.51.100.13', port: 80, weight: 0 }] }]);
  assert.match(rr, /numgen inc mod 2 map/);
  assert.doesNotMatch(rr, /198\.51\.100\.13/, 'weight 0 (inhibited) gets no new connections');
  const sh = renderRuleset([{ ...base, lbAlgo: 'sh' }]);
  assert.match(sh, /jhash ip saddr mod 4 seed 0x[0-9a-f]+ map \{ 0 : 198\.51\.100\.11 \. 80, 1 : 198\.51\.100\.11 \. 80, 2 : 198\.51\.100\.11 \. 80, 3 : 198\.51\.100\.12 \. 8080 \}/);
});

test('persistence: dynamic map with timeout, lookup first, update in each backend chain', () => {
  const r = renderRuleset([{ ...base, persistenceTimeout: 360 }]);
  assert.match(r, /map vs0_persist \{\n\s+type ipv4_addr : ipv4_addr \. inet_service; flags dynamic, timeout; timeout 360s;/);
  assert.match(r, /meta l4proto tcp ip saddr @vs0_persist dnat ip addr \. port to ip saddr map @vs0_persist/);
  assert.match(r, /numgen inc mod 4 vmap \{ 0 : jump vs0_b0, 1 : jump vs0_b0, 2 : jump vs0_b1, 3 : jump vs0_b0 \}/);
  assert.match(r, /chain vs0_b1 \{\n\s+update @vs0_persist \{ ip saddr : 198\.51\.100\.12 \. 8080 \}\n\s+meta l4proto tcp dnat ip to 198\.51\.100\.12:8080/);
});

test('fwmark, UDP and IPv6 services', () => {
  const r = renderRuleset([
    { ...base, name: 'fw', vip: undefined, port: undefined, fwmark: 7, lbAlgo: 'rr', backends: [{ ip: '198.51.100.11', port: 0, weight: 1 }] },
    { ...base, name: 'v6', vip: 'fd00::10', port: 53, family: 'inet6', protocol: 'UDP', lbAlgo: 'rr', backends: [{ ip: 'fd00::11', port: 53, weight: 1 }] },
  ]);
  assert.match(r, /meta mark 7 jump vs0/);
  assert.match(r, /chain vs0 \{\n\s+dnat ip to numgen inc mod 1 map \{ 0 : 198\.51\.100\.11 \}\n/);
  assert.match(r, /ip6 daddr fd00::10 udp dport 53 jump vs1/);
  const mixed = renderRuleset([{ ...base, backends: [{ ip: '198.51.100.11', port: 0, weight: 1 }, { ip: '198.51.100.12', port: 81, weight: 1 }] }]);
  assert.match(mixed, /chain vs0_b0 \{\n\s+dnat ip to 198\.51\.100\.11\n/, 'mixed port/no-port backends fall back to per-backend chains');
  assert.match(mixed, /chain vs0_b1 \{\n\s+meta l4proto tcp dnat ip to 198\.51\.100\.12:81\n/);
  assert.match(r, /meta l4proto udp dnat ip6 addr \. port to numgen inc mod 1 map \{ 0 : fd00::11 \. 53 \}/);
});

test('a service without backends is rejected, not silently dropped', () => {
  const r = renderRuleset([{ ...base, name: 'say "hi"', backends: [] }]);
  assert.doesNotMatch(r, /jump vs0/);
  assert.match(r, /chain input \{[^}]*ip daddr 203\.0\.113\.10 tcp dport 80 reject with icmpx port-unreachable comment "say 'hi' has no backend"/);
});

test('validation names the backend and the unsupported choice', () => {
  assert.deepEqual(validateForBackend(base), []);
  const wlc = validateForBackend({ ...base, lbAlgo: 'wlc' });
  assert.equal(wlc.length, 1);
  assert.match(wlc[0]!.message, /lb_algo wlc is not supported by the nftables backend \(supported: rr, wrr, sh, mh\)/);
  assert.match(validateForBackend({ ...base, lbKind: 'TUN' })[0]!.message, /lb_kind TUN is not supported by the nftables backend \(supported: NAT, DR\)/);
  assert.match(validateForBackend({ ...base, lbKind: 'DR' })[0]!.message, /lb_kind DR with lb_algo wrr is not supported by the nftables backend.*only sh and mh/);
  assert.deepEqual(validateForBackend({ ...base, lbKind: 'DR', lbAlgo: 'sh' }), []);
  const w = validateForBackend({ ...base, lbKind: 'DR', lbAlgo: 'sh', persistenceTimeout: 300 });
  assert.deepEqual(w.map((d) => d.severity), ['warning']);
  assert.match(w[0]!.message, /persistence_timeout is not applied with lb_kind DR/);
  assert.match(validateForBackend({ ...base, lbKind: 'DR', lbAlgo: 'sh', vip: undefined, port: undefined, fwmark: 3 })[0]!.message, /DR with a fwmark/);
  assert.match(validateForBackend({ realServers: [], vip: '203.0.113.1', port: 80 })[0]!.message, /default is wlc/);
  assert.match(validateForBackend({ ...base, vip: undefined })[0]!.message, /address and a port, or a fwmark/);
  assert.match(validateForBackend(base, 'ipvs')[0]!.message, /untested stub/);
  // nothing malformed may reach the nft script
  assert.match(validateForBackend({ ...base, vip: '203.0.113.10; flush ruleset' })[0]!.message, /is not an IP address/);
  assert.match(validateForBackend({ ...base, backends: [{ ip: 'fd00::1', port: 80, weight: 1 }] })[0]!.message, /IPv6 but the virtual server is IPv4/);
  assert.match(validateForBackend({ ...base, backends: [{ ip: '198.51.100.1', port: 70000, weight: 1 }] })[0]!.message, /port 70000/);
  assert.match(validateForBackend({ ...base, vip: undefined, port: undefined, fwmark: -1 })[0]!.message, /fwmark -1/);
  assert.match(validateForBackend({ realServers: [{ ip: 'rs.example', port: 80, checkers: [] }], vip: '203.0.113.1', port: 80, lbAlgo: 'rr' })[0]!.message, /"rs\.example" is not an IP/);
});

test('DR: netdev ingress table forwarding to the real server by source hash, nothing when unused', () => {
  const dr: ServiceState = { ...base, lbKind: 'DR', lbAlgo: 'sh', backends: [{ ip: '198.51.100.11', port: 80, weight: 2 }, { ip: '198.51.100.12', port: 80, weight: 1 }] };
  const r = renderRuleset([dr], {}, new Map([[0, 'eth0']]));
  assert.match(r, /add table netdev vipd\ndelete table netdev vipd\ntable netdev vipd \{/);
  assert.match(r, /type filter hook ingress device "eth0" priority filter; policy accept;/);
  assert.match(r, /ip daddr 203\.0\.113\.10 tcp dport 80 fwd ip to jhash ip saddr mod 3 seed 0x[0-9a-f]+ map \{ 0 : 198\.51\.100\.11, 1 : 198\.51\.100\.11, 2 : 198\.51\.100\.12 \} device "eth0"/);
  assert.doesNotMatch(r, /jump vs0/, 'DR services are not in the NAT table');
  const none = renderRuleset([base]);
  assert.match(none, /add table netdev vipd\ndelete table netdev vipd\n$/, 'an old DR table is always removed');
  assert.throws(() => renderRuleset([dr]), /no device known for lb_kind DR/);
});

test('a virtual_server_group service is reached through each of its entries', () => {
  const g: ServiceState = { ...base, name: 'G', vip: undefined, port: undefined, matches: [
    { vip: '203.0.113.20', port: 443 }, { vip: '203.0.113.30', vipEnd: '203.0.113.35', port: 80 }, { vip: '203.0.113.64', prefix: 26, port: 80 }, { fwmark: 9 }] };
  const r = renderRuleset([g]);
  for (const m of ['ip daddr 203.0.113.20 tcp dport 443 jump vs0', 'ip daddr 203.0.113.30-203.0.113.35 tcp dport 80 jump vs0',
    'ip daddr 203.0.113.64/26 tcp dport 80 jump vs0', 'meta mark 9 jump vs0']) assert.ok(r.includes(m), m);
  assert.deepEqual(validateForBackend(g), []);
  assert.match(validateForBackend({ ...g, matches: [{ vip: '203.0.113.20', port: 80 }, { vip: 'fd00::1', port: 80 }] })[0]!.message, /mixes IPv4 and IPv6/);
});

test('chain names are stable per service, whatever the order of services', () => {
  const other: ServiceState = { ...base, name: 'other', port: 81 };
  assert.equal(serviceChainName(base), serviceChainName({ ...base, backends: [] }), 'pool changes keep the name');
  assert.notEqual(serviceChainName(base), serviceChainName(other));
  assert.match(serviceChainName(base), /^s_[0-9a-f]{10}$/);
});

test('incremental transaction: flush, delete what vanished, drop only stale persistence entries', () => {
  const p: ServiceState = { ...base, persistenceTimeout: 60 };
  const gone: ServiceState = { ...base, name: 'gone', port: 99, lbAlgo: 'rr' };
  const first = renderTransaction([p, gone]);
  assert.match(first.script, /^add table inet vipd\ndelete table inet vipd\n/);
  const n = serviceChainName(p);
  assert.ok(first.state.chains.has(`${n}_b1`));
  assert.deepEqual([...first.state.persistValues.get(`${n}_persist`)!], ['198.51.100.11 . 80', '198.51.100.12 . 8080']);
  const shrunk: ServiceState = { ...p, backends: [p.backends[0]!] };
  const next = renderTransaction([shrunk], {}, new Map(), first.state, new Map([[`${n}_persist`, ['203.0.113.100', '203.0.113.101']]]));
  const lines = next.script.split('\n');
  assert.deepEqual(lines.slice(0, 2), ['add table inet vipd', 'flush table inet vipd']);
  assert.ok(lines.includes(`delete chain inet vipd ${serviceChainName(gone)}`));
  assert.ok(lines.includes(`delete chain inet vipd ${n}_b1`));
  assert.ok(!lines.includes(`delete map inet vipd ${n}_persist`), 'same type: the map and its entries stay');
  assert.equal(lines.filter(Boolean).pop(), `delete element inet vipd ${n}_persist { 203.0.113.100, 203.0.113.101 }`);
  // a type change (ports → no ports) recreates the map instead
  const retyped = renderTransaction([{ ...p, backends: [{ ip: '198.51.100.11', port: 0, weight: 1 }] }], {}, new Map(), first.state, new Map([[`${n}_persist`, ['203.0.113.100']]]));
  assert.ok(retyped.script.includes(`delete map inet vipd ${n}_persist`));
  assert.doesNotMatch(retyped.script, /delete element/);
});

test('nft map listings are parsed into client → server pairs', () => {
  const listing = `table inet vipd {
	map s_x_persist {
		type ipv4_addr : ipv4_addr . inet_service
		flags dynamic,timeout
		timeout 1m
		elements = { 198.51.100.100 expires 59s988ms : 198.51.100.11 . 80, 198.51.100.101 timeout 1m expires 57s512ms : 198.51.100.12 . 8080,
			     198.51.100.102 : 198.51.100.13 . 80 }
	}
}`;
  assert.deepEqual(parseMapElements(listing), [
    { key: '198.51.100.100', value: '198.51.100.11 . 80' }, { key: '198.51.100.101', value: '198.51.100.12 . 8080' }, { key: '198.51.100.102', value: '198.51.100.13 . 80' }]);
  assert.deepEqual(parseMapElements('map m {\n type ipv6_addr : ipv6_addr\n elements = { fd00::100 expires 1s : fd00::11 }\n}'), [{ key: 'fd00::100', value: 'fd00::11' }]);
  assert.deepEqual(parseMapElements('map m { }'), []);
});

test('mh: Maglev table, weighted, and a departing server moves (almost) only its own clients', () => {
  const names = ['198.51.100.11:80', '198.51.100.12:80', '198.51.100.13:80', '198.51.100.14:80', '198.51.100.15:80'];
  const t = maglevSlots(names, [1, 1, 1, 1, 1]);
  assert.equal(t.length, MAGLEV_TABLE_SIZE);
  const count = (tab: number[], i: number): number => tab.filter((x) => x === i).length;
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(count(t, i) - 251 / 5) <= 1, `backend ${i}: ${count(t, i)} slots`);
  // remove backend 2: map old indexes to new ones by name and count slots that changed owner needlessly
  const rest = names.filter((_, i) => i !== 2);
  const t2 = maglevSlots(rest, [1, 1, 1, 1]);
  let moved = 0;
  t.forEach((owner, slot) => { if (owner !== 2 && rest[t2[slot]!] !== names[owner]) moved++; });
  assert.ok(moved <= 251 * 0.1, `${moved} slots of surviving servers changed owner`);
  // the same set in another order gives the same owners
  const shuffled = [names[3]!, names[0]!, names[4]!, names[1]!, names[2]!];
  const t3 = maglevSlots(shuffled, [1, 1, 1, 1, 1]);
  assert.deepEqual(t3.map((i) => shuffled[i]), t.map((i) => names[i]));
  const w = maglevSlots(names.slice(0, 2), [2, 1]);
  assert.ok(Math.abs(count(w, 0) - 167) <= 2 && Math.abs(count(w, 1) - 84) <= 2, `${count(w, 0)}/${count(w, 1)}`);
  assert.match(renderRuleset([{ ...base, lbAlgo: 'mh' }]), /jhash ip saddr mod 251 seed/);
});
