// A single self-contained page: live instance states from /api/events (server-sent events), no build
// step and no external assets (the daemon may run on hosts without internet access).
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vipd</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:2em;background:#f6f7f9;color:#1d2330}
h1{font-size:20px;margin:0 0 .2em} .sub{color:#667;margin-bottom:1.5em}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 3px #0002;margin-bottom:1.5em;min-width:60%}
th,td{padding:.45em .9em;text-align:left;border-bottom:1px solid #e5e7eb} th{background:#eef1f5;font-weight:600}
.st{font-weight:700;padding:.15em .6em;border-radius:4px;color:#fff}
.MASTER{background:#15803d}.BACKUP{background:#2563eb}.FAULT{background:#b91c1c}.INIT,.STOP{background:#6b7280}
.up{color:#15803d;font-weight:600}.down{color:#b91c1c;font-weight:600} #conn{float:right;color:#667}
</style></head><body>
<span id="conn">connecting…</span><h1>vipd</h1><div class="sub" id="sub"></div>
<table><thead><tr><th>instance</th><th>VRID</th><th>interface</th><th>state</th><th>priority</th><th>VIPs</th><th>master</th><th>adverts rx/tx</th><th>drops</th><th>last takeover</th></tr></thead>
<tbody id="vrrp"><tr><td colspan="10">no VRRP instances</td></tr></tbody></table>
<table><thead><tr><th>virtual server</th><th>quorum</th><th>real servers</th></tr></thead>
<tbody id="lvs"><tr><td colspan="3">no virtual servers</td></tr></tbody></table>
<script>
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
function render(s) {
  document.getElementById('sub').textContent = 'v' + s.version + ' · pid ' + s.pid + ' · ' + s.configFile;
  const inst = (s.vrrp && s.vrrp.instances) || [];
  document.getElementById('vrrp').innerHTML = inst.length ? inst.map((i) => {
    const drops = Object.values(i.stats.drops).reduce((a, b) => a + b, 0);
    return '<tr><td>' + esc(i.name) + '</td><td>' + i.vrid + '</td><td>' + esc(i.interface || '') + '</td><td><span class="st ' + esc(i.state) + '">' + esc(i.state) +
      '</span></td><td>' + i.effectivePriority + (i.effectivePriority !== i.basePriority ? ' (' + i.basePriority + ')' : '') + '</td><td>' + i.vips.map(esc).join('<br>') +
      '</td><td>' + esc(i.masterAddr || '') + '</td><td>' + i.stats.advertsRx + ' / ' + i.stats.advertsTx + '</td><td>' + drops + '</td><td>' +
      (i.lastFailoverMs !== undefined ? i.lastFailoverMs + ' ms' : '') + '</td></tr>';
  }).join('') : '<tr><td colspan="10">no VRRP instances</td></tr>';
  const vs = (s.checker && s.checker.virtualServers) || [];
  document.getElementById('lvs').innerHTML = vs.length ? vs.map((v) => '<tr><td>' + esc(v.name) + '</td><td class="' + (v.quorumUp ? 'up">up' : 'down">lost') + '</td><td>' +
    v.realServers.map((r) => '<span class="' + (r.up ? 'up' : 'down') + '">' + esc(r.addr + (r.port ? ':' + r.port : '')) + '</span> w' + r.weight).join(' · ') + '</td></tr>').join('')
    : '<tr><td colspan="3">no virtual servers</td></tr>';
}
function connect() {
  const es = new EventSource('/api/events');
  es.onopen = () => { document.getElementById('conn').textContent = 'live'; };
  es.onmessage = (e) => render(JSON.parse(e.data));
  es.onerror = () => { document.getElementById('conn').textContent = 'reconnecting…'; };
}
connect();
</script></body></html>
`;
