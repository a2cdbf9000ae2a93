// keepalived's keyword-aware block structure (read-blocks.ts), replayed from the reader's lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfigText } from '../../src/config/reader.js';
import type { BlockKind } from '../../src/config/read-blocks.js';
import type { ConfigNode } from '../../src/config/tree.js';

// A miniature keyword table: enough to show the rules.
const BLOCKS = new Set(['global_defs', 'vrrp_instance', 'virtual_server', 'real_server', 'TCP_CHECK']);
const VALUES = new Set(['virtual_ipaddress', 'notification_email']);
const kindOf = (kw: string): BlockKind => (BLOCKS.has(kw) ? 'block' : VALUES.has(kw) ? 'values' : 'leaf');

type Shape = string | [string, Shape[]];
function shape(nodes: ConfigNode[]): Shape[] {
  return nodes.map((n) => {
    const head = `${n.line}:${[n.keyword, ...n.args].join(' ')}`;
    return n.children ? [head, shape(n.children)] : head;
  });
}
function read(text: string) {
  const r = readConfigText(text, 'blocks.conf', { blockKind: kindOf });
  return { tree: shape(r.nodes), diags: r.diagnostics.map((d) => `${d.line}: ${d.message}`), nodes: r.nodes };
}

test('known blocks nest as in the generic tree, with the closing brace position kept', () => {
  const r = read('vrrp_instance V {\n  priority 1\n  virtual_ipaddress { 192.0.2.1 192.0.2.2 }\n}\n');
  assert.deepEqual(r.tree, [['1:vrrp_instance V', ['2:priority 1', ['3:virtual_ipaddress', ['3:192.0.2.1 192.0.2.2']]]]]);
  assert.deepEqual(r.diags, []);
  assert.deepEqual(r.nodes[0]!.close, { file: 'blocks.conf', line: 4 });
});

test('a { after an unknown keyword is unexpected; its } closes the enclosing block', () => {
  // keepalived: "Unexpected '{'", `x 1` is read inside vrrp_instance, the `}` on line 4 closes
  // vrrp_instance, so `priority 2` is at the top and the last `}` is looked up as a keyword there.
  const r = read('vrrp_instance V {\n  bogus {\n    x 1\n  }\n  priority 2\n}\n');
  assert.deepEqual(r.tree, [['1:vrrp_instance V', ['2:bogus', '3:x 1']], '5:priority 2']);
  assert.deepEqual(r.diags.sort(), ["2: Unexpected '{' - ignoring", "6: Unknown keyword '}'"]);
});

test('a block keyword without { reads the next line inside the block (keepalived wording)', () => {
  // verified with keepalived 2.2.7 -t: Missing '{' (2), Extra '}' (3, 8). (Its parent process, which
  // skips vrrp_instance blocks by counting braces, also says Unknown keyword '}' at 8; the VRRP
  // process, which knows the keywords, does not.) The value block's message is only logged by
  // keepalived, so it is a warning here.
  const r = read('global_defs\n  router_id a\n}\nvrrp_instance V {\nvirtual_ipaddress\n192.0.2.1\n}\n}\n');
  assert.deepEqual(r.tree, [['1:global_defs', ['2:router_id a']], ['4:vrrp_instance V', [['5:virtual_ipaddress', ['6:192.0.2.1']]]]]);
  assert.deepEqual(r.diags.sort(), [
    "2: Missing '{' at beginning of configuration block", "3: Extra '}' found",
    "6: '{' missing from beginning of block virtual_ipaddress", "8: Extra '}' found",
  ]);
});

test('value blocks take every line as a value, even keyword-looking ones', () => {
  const r = read('notification_email {\n  vrrp_instance x\n  a@example.org\n}\n');
  assert.deepEqual(r.tree, [['1:notification_email', ['2:vrrp_instance x', '3:a@example.org']]]);
});

test('without blockKind the generic tree is unchanged', () => {
  const r = readConfigText('vrrp_instance V {\n  bogus {\n    x 1\n  }\n  priority 2\n}\n', 'g.conf');
  assert.equal(r.nodes.length, 1);
  assert.deepEqual(r.diagnostics, []);
});

test('keyword-aware nesting is bounded too', () => {
  const r = readConfigText('vrrp_instance V {\n'.repeat(100) + '}\n'.repeat(100), 'deep.conf', { blockKind: () => 'block', maxDepth: 10 });
  let depth = 0;
  for (let level: ConfigNode[] | undefined = r.nodes; level && level.length > 0; level = level[0]!.children) depth++;
  assert.equal(depth, 11);
  assert.ok(r.diagnostics.some((d) => /nested more than 10 deep/.test(d.message)));
});
