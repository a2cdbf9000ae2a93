// The deterministic simulator: determinism, a few hundred mixed-fault seeds without violations, the
// regression seeds, and proof that the invariants CAN fail (deliberately broken engines injected through
// the simulator's engine parameter — the production fsm has no such switch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { realEngine, runSimulation, type Engine } from '../../src/sim/world.js';
import type { InvariantName } from '../../src/sim/invariants.js';
import type { InstanceState } from '../../src/vrrp/fsm.js';

const REGRESSIONS = join(process.cwd(), 'test', 'fixtures', 'sim-regressions');

test('same seed ⇒ same trace; different seeds ⇒ different traces', () => {
  const a = runSimulation({ seed: 42 });
  const b = runSimulation({ seed: 42 });
  const c = runSimulation({ seed: 43 });
  assert.equal(a.traceHash, b.traceHash);
  assert.equal(a.steps, b.steps);
  assert.equal(a.transitions, b.transitions);
  assert.notEqual(a.traceHash, c.traceHash);
  assert.ok(a.steps > 100 && a.transitions > 3, 'the scenario actually does something');
});

test('without faults the highest priority ends as the only master', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = runSimulation({ seed, faultKinds: [], seconds: 30 });
    assert.deepEqual(r.violations, [], `seed ${seed}`);
    assert.ok(r.evaluated.quiet > 0, 'the quiet-period invariants were evaluated');
  }
});

test('600 seeds with mixed faults: no invariant violation', () => {
  const t0 = Date.now();
  const failures: string[] = [];
  const evaluated = { quiet: 0, takeoverWindows: 0, uncovered: 0 };
  for (let seed = 1000; seed < 1600; seed++) {
    const r = runSimulation({ seed, maxViolations: 1 });
    for (const v of r.violations) failures.push(`seed ${seed} step ${v.step}: ${v.invariant} ${v.message}\n  ${v.trace.slice(-8).join('\n  ')}`);
    evaluated.quiet += r.evaluated.quiet;
    evaluated.takeoverWindows += r.evaluated.takeoverWindows;
    evaluated.uncovered += r.evaluated.uncovered;
  }
  assert.deepEqual(failures, []);
  // Conditional invariants must have had something to check, or they prove nothing.
  assert.ok(evaluated.quiet > 1000 && evaluated.takeoverWindows > 100 && evaluated.uncovered > 1000, JSON.stringify(evaluated));
  console.log(`# 600 seeds in ${Date.now() - t0} ms`);
});

interface Regression { seed: number; seconds?: number; nodes?: number; syncGroups?: boolean; fixed: string; cause: string }
const regressions: Regression[] = readdirSync(REGRESSIONS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(REGRESSIONS, f), 'utf8')) as Regression);

test('regression seeds stay fixed', () => {
  assert.ok(regressions.length >= 5);
  for (const r of regressions) {
    const res = runSimulation({ seed: r.seed, seconds: r.seconds, nodes: r.nodes, syncGroups: r.syncGroups });
    assert.deepEqual(res.violations.map((v) => `${v.invariant}: ${v.message}`), [], `seed ${r.seed} (${r.cause})`);
  }
});

// ---- Broken engines: each must be caught by the invariant that guards the rule it breaks. ----

function wrap(step: Engine['step']): Engine {
  return { create: realEngine.create, step };
}

/** Run seeds until `want` violations of the expected invariant were seen; return what was found. */
function hunt(engine: Engine, seeds: number): Map<InvariantName, number> {
  const found = new Map<InvariantName, number>();
  for (let seed = 1; seed <= seeds; seed++) {
    for (const v of runSimulation({ seed, engine, maxViolations: 1 }).violations) found.set(v.invariant, (found.get(v.invariant) ?? 0) + 1);
  }
  return found;
}

const withCfg = (s: InstanceState, patch: Partial<InstanceState['cfg']>): InstanceState => ({ ...s, cfg: { ...s.cfg, ...patch } });

test('broken engine: preemption ignored (lower adverts treated as equal) → c-preempt', () => {
  const engine = wrap((s, ev, now) => {
    if (ev.type === 'advert-received' && s.state === 'BACKUP' && ev.advert.priority > 0 && ev.advert.priority < s.priority) {
      ev = { ...ev, advert: { ...ev.advert, priority: s.priority } };
    }
    return realEngine.step(s, ev, now);
  });
  assert.ok((hunt(engine, 60).get('c-preempt') ?? 0) > 0);
});

test('broken engine: tie-break inverted (lower address wins) → c-tie-break', () => {
  // Mirror both addresses so numeric order flips, only for equal-priority adverts at a master.
  const flip = (a: string) => (a.includes(':') ? a.replace(/:([0-9a-f]+)$/, (_, x: string) => ':' + (0xffff - parseInt(x, 16)).toString(16)) : a.replace(/\.(\d+)$/, (_, x: string) => '.' + (255 - Number(x))));
  const engine = wrap((s, ev, now) => {
    if (ev.type === 'advert-received' && s.state === 'MASTER' && ev.advert.priority === s.priority) {
      const r = realEngine.step(withCfg(s, { primaryAddress: flip(s.cfg.primaryAddress) }), { ...ev, src: flip(ev.src) }, now);
      return { state: { ...r.state, cfg: s.cfg }, actions: r.actions };
    }
    return realEngine.step(s, ev, now);
  });
  // A consistently inverted order still elects one master, so (a) cannot see it; the tie-break
  // invariant (RFC §6.4.3: the higher address stays) does.
  const found = hunt(engine, 100);
  assert.ok((found.get('c-tie-break') ?? 0) > 0, JSON.stringify([...found]));
});

test('broken engine: equal priority never yields (no tie-break) → a-one-master', () => {
  const engine = wrap((s, ev, now) =>
    ev.type === 'advert-received' && s.state === 'MASTER' && ev.advert.priority === s.priority ? { state: s, actions: [] } : realEngine.step(s, ev, now));
  const found = hunt(engine, 200);
  assert.ok((found.get('a-one-master') ?? 0) > 0, JSON.stringify([...found]));
});

test('broken engine: VIPs not removed when leaving MASTER → d-vips', () => {
  const engine = wrap((s, ev, now) => {
    const r = realEngine.step(s, ev, now);
    return { state: r.state, actions: r.actions.filter((a) => a.type !== 'remove-vips') };
  });
  assert.ok((hunt(engine, 20).get('d-vips') ?? 0) > 0);
});

test('broken engine: backups stop taking over after 20 s → b-master-exists', () => {
  const engine = wrap((s, ev, now) =>
    ev.type === 'timer-fired' && ev.timer === 'master-down' && now > 20000 ? { state: s, actions: [] } : realEngine.step(s, ev, now));
  assert.ok((hunt(engine, 30).get('b-master-exists') ?? 0) > 0);
});

test('broken engine: nopreempt ignored → c-no-displacement', () => {
  const engine = wrap((s, ev, now) => {
    if (!s.cfg.nopreempt) return realEngine.step(s, ev, now);
    const r = realEngine.step(withCfg(s, { nopreempt: false }), ev, now);
    return { state: { ...r.state, cfg: s.cfg }, actions: r.actions };
  });
  assert.ok((hunt(engine, 200).get('c-no-displacement') ?? 0) > 0);
});

test('broken engine: a notification lost → e-notify-order', () => {
  const engine = wrap((s, ev, now) => {
    const r = realEngine.step(s, ev, now);
    return ev.type === 'advert-received' ? { state: r.state, actions: r.actions.filter((a) => a.type !== 'notify') } : r;
  });
  assert.ok((hunt(engine, 20).get('e-notify-order') ?? 0) > 0);
});

test('broken engine: a backup answers adverts → f-advert-source', () => {
  const engine = wrap((s, ev, now) => {
    const r = realEngine.step(s, ev, now);
    return s.state === 'BACKUP' && ev.type === 'advert-received' ? { state: r.state, actions: [...r.actions, { type: 'send-advert', priority: s.priority }] } : r;
  });
  assert.ok((hunt(engine, 5).get('f-advert-source') ?? 0) > 0);
});

test('sync groups: 100 seeds where every host runs two synced instances, no violation', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const r = runSimulation({ seed, syncGroups: true, maxViolations: 1 });
    assert.match(r.summary, /\+sync/);
    assert.deepEqual(r.violations.map((v) => `${v.invariant}: ${v.message}`), [], `seed ${seed}`);
  }
});

test('broken engine: sync directives ignored → g-sync-group', () => {
  const engine = wrap((s, ev, now) => (ev.type === 'sync' ? { state: s, actions: [] } : realEngine.step(s, ev, now)));
  let found = 0;
  for (let seed = 1; seed <= 30; seed++) {
    found += runSimulation({ seed, syncGroups: true, engine, maxViolations: 1 }).violations.filter((v) => v.invariant === 'g-sync-group').length;
  }
  assert.ok(found > 0);
});

test('event heap pops in (time, insertion) order', async () => {
  const { EventHeap } = await import('../../src/sim/heap.js');
  const { Prng } = await import('../../src/sim/prng.js');
  const rng = new Prng(7);
  const h = new EventHeap<{ t: number; seq: number }>();
  const items = Array.from({ length: 500 }, (_, seq) => ({ t: rng.int(0, 50), seq }));
  for (const x of items) h.push(x);
  const out: Array<{ t: number; seq: number }> = [];
  for (let x = h.pop(); x; x = h.pop()) out.push(x);
  assert.deepEqual(out, [...items].sort((a, b) => a.t - b.t || a.seq - b.seq));
});

test('npm run sim CLI: prints the summary line last and exits 0 without violations', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [join(process.cwd(), 'dist', 'src', 'sim', 'cli.js'), '--seeds', '3', '--seed', '7'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.at(-1), 'sim: 3 seeds, 0 violations');
  const bad = spawnSync(process.execPath, [join(process.cwd(), 'dist', 'src', 'sim', 'cli.js'), '--seeds', 'x'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /positive integer/);
});

test('broken engine: takeover 10% later than Master_Down_Interval → b-master-exists (the bound is tight)', () => {
  const late = (now: number, due: number) => now + (due - now) * 1.1;
  const engine = wrap((s, ev, now) => {
    const r = realEngine.step(s, ev, now);
    const due = r.state.timers['master-down'];
    if (due === null || due === s.timers['master-down']) return r;
    return {
      state: { ...r.state, timers: { ...r.state.timers, 'master-down': late(now, due) } },
      actions: r.actions.map((a) => (a.type === 'set-timer' && a.timer === 'master-down' ? { ...a, due: late(now, a.due) } : a)),
    };
  });
  assert.ok((hunt(engine, 60).get('b-master-exists') ?? 0) > 0);
});

test('broken engines: no GARP on takeover, or no second burst → h-garp', () => {
  const noGarp = wrap((s, ev, now) => {
    const r = realEngine.step(s, ev, now);
    return { state: r.state, actions: r.actions.filter((a) => !(a.type === 'send-garp' && a.reason === 'master')) };
  });
  assert.ok((hunt(noGarp, 5).get('h-garp') ?? 0) > 0);
  const noSecond = wrap((s, ev, now) =>
    ev.type === 'timer-fired' && ev.timer === 'garp-master-delay' ? realEngine.step({ ...s, timers: { ...s.timers, 'garp-master-delay': null } }, ev, now) : realEngine.step(s, ev, now));
  assert.ok((hunt(noSecond, 5).get('h-garp') ?? 0) > 0);
});
