// `bfd_instance NAME { … }` (keepalived 2.2.7: 15 keywords incl. the neighbour_ip spelling).
import type { ConfigNode } from '../tree.js';
import type { BfdInstanceConfig } from '../model.js';
import { kw, type KeywordSpec, type KeywordTable } from './table.js';
import { flag } from './common.js';
import { arg, familyOf, readBool, readFloat, readInt } from './values.js';

type B = BfdInstanceConfig;

/** Milliseconds with µs resolution, as keepalived reads min_rx/min_tx/idle_tx. */
function ms(field: 'minRxMs' | 'minTxMs' | 'idleTxMs', label: string, min = 1): KeywordSpec<B> {
  return kw((n, b, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), min, 4294967);
    if (v === undefined) ctx.error(n, `Configuration error: BFD instance ${b.name} ${label} value ${n.args[0]} is not valid (must be in range [${min}-4294967]), ignoring`);
    else b[field] = v;
  });
}

function neighbor(n: ConfigNode, b: B, ctx: Parameters<KeywordSpec<B>['handler']>[2]): void {
  const v = arg(n, 1);
  if (!familyOf(v)) ctx.error(n, `Configuration error: BFD instance ${b.name} has malformed neighbor address ${v}, ignoring instance`);
  else b.neighborIp = v;
}

export const bfdInstanceTable: KeywordTable<B> = {
  neighbor_ip: kw(neighbor),
  neighbour_ip: kw(neighbor),
  source_ip: kw((n, b, ctx) => {
    const v = arg(n, 1);
    if (!familyOf(v)) ctx.error(n, `Configuration error: BFD instance ${b.name} has malformed source address ${v}, ignoring`);
    else b.sourceIp = v;
  }),
  min_rx: ms('minRxMs', 'min_rx'),
  min_tx: ms('minTxMs', 'min_tx'),
  idle_tx: ms('idleTxMs', 'idle_tx', 1000),
  multiplier: kw((n, b, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, 255, 'multiplier');
    if (v !== undefined) b.multiplier = v;
  }),
  passive: flag((b) => (b.passive = true)),
  ttl: kw((n, b, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, 255, 'ttl');
    if (v !== undefined) b.ttl = v;
  }),
  hoplimit: kw((n, b, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, 255, 'hoplimit');
    if (v !== undefined) b.ttl = v;
  }),
  max_hops: kw((n, b, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, 255, 'max_hops');
    if (v !== undefined) b.maxHops = v;
  }),
  weight: kw((n, b, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), -253, 253, 'weight');
    if (v === undefined) return;
    b.weight = v;
    if (n.args[1] === 'reverse') b.weightReverse = true;
  }),
  vrrp: kw((n, b, ctx) => (b.vrrpOnly = readBool(ctx, n))),
  checker: kw((n, b, ctx) => (b.checkerOnly = readBool(ctx, n))),
};

export function newBfdInstance(node: ConfigNode, name: string): B {
  return {
    file: node.file,
    line: node.line,
    name,
    minRxMs: 10,
    minTxMs: 10,
    idleTxMs: 1000,
    multiplier: 5,
    passive: false,
    weight: 0,
    weightReverse: false,
    vrrpOnly: false,
    checkerOnly: false,
  };
}
