// SPDX-License-Identifier: GPL-2.0
//
// The flame graph's script (user/export/svg-script.c) in node, over a
// minimal stand-in for the DOM built from an SVG that sonde export -f svg
// wrote (argv[2]): zoom to a frame keeps its ancestors full width and
// its subtree, scaled, and hides the rest; Reset Zoom restores every
// frame; a search marks the frames whose names match and says their
// share; Escape clears it.  Exits 1 with a message on the first failure.
// No browser: tests/regress/svg-xmllint runs it when node is installed.
'use strict';
const fs = require('fs');
const svg = fs.readFileSync(process.argv[2], 'utf8');
function el(attrs) {
	const a = Object.assign({}, attrs), cl = new Set((a.class || '').split(/\s+/).filter(Boolean));
	const e = { a, kids: {}, handlers: {}, textContent: a._text || '',
		getAttribute: (k) => (k in a ? a[k] : null),
		setAttribute: (k, v) => { a[k] = String(v); },
		classList: { add: (c) => cl.add(c), remove: (c) => cl.delete(c),
			     contains: (c) => cl.has(c) },
		querySelector: (s) => e.kids[s],
		addEventListener: (t, f) => { e.handlers[t] = f; },
		cls: cl };
	return e;
}
const attrs = (s) => { const o = {}; s.replace(/([\w-]+)="([^"]*)"/g, (m, k, v) => { o[k] = v; }); return o; };
const unesc = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const root = el(attrs(svg.match(/<svg ([^>]*)>/)[1]));
const ids = {};
svg.replace(/<text id="(\w+)"[^>]*>([^<]*)<\/text>/g, (m, id, t) => { ids[id] = el(attrs(m)); ids[id].textContent = t; });
const frames = [];
svg.replace(/<g class="f (\w)"><title>([^<]*)<\/title><rect ([^>]*)\/><text ([^>]*)>([^<]*)<\/text><\/g>/g,
	(m, k, title, r, t, label) => {
		const g = el({ class: 'f ' + k });
		g.kids.title = el({}); g.kids.title.textContent = unesc(title);
		g.kids.rect = el(attrs(r)); g.kids.text = el(attrs(t)); g.kids.text.textContent = unesc(label);
		frames.push(g);
	});
const win = { handlers: {}, addEventListener: (t, f) => { win.handlers[t] = f; } };
global.window = win;
global.document = { documentElement: root, getElementById: (i) => ids[i],
	querySelectorAll: (s) => (s === 'g.f' ? frames : []) };
let answer = null;
global.prompt = () => answer;
global.alert = (m) => { throw new Error('alert ' + m); };
const js = svg.slice(svg.indexOf('<![CDATA[', svg.indexOf('<script')) + 9, svg.lastIndexOf(']]></script>'));
eval(js);
const byName = (n) => frames.find((g) => g.kids.title.textContent.startsWith(n + ' ('));
const X = (g) => +g.kids.rect.a.x, W = (g) => +g.kids.rect.a.width;
const shown = () => frames.filter((g) => !g.cls.has('hide'));
function check(ok, msg) {
	if (!ok) {
		console.log(msg);
		process.exit(1);
	}
}
const orig = frames.map((g) => [X(g), W(g), +g.kids.rect.a.y]);
const rev = root.a['data-reverse'] === '1', PX = +root.a['data-px'], FW = +root.a['data-w'] - 2 * PX;
const E = 0.011;
check(frames.length > 2, 'no frames');
/* the widest frame with children two rows from "all" */
const depth = (i) => Math.round(Math.abs(orig[i][2] - orig[0][2]) / 16);
let zi = -1;
orig.forEach((o, i) => { if (depth(i) === 2 && (zi < 0 || o[1] > orig[zi][1]) && o[1] < FW - 1) zi = i; });
if (zi < 0)
	zi = 1;
const zo = orig[zi];
frames[zi].handlers.click();
check(!ids.unzoom.cls.has('hide'), 'Reset Zoom not shown');
check(Math.abs(X(frames[zi]) - PX) < E && Math.abs(W(frames[zi]) - FW) < E, 'zoomed frame not full width');
frames.forEach((g, i) => {
	const o = orig[i], up = rev ? o[2] < zo[2] : o[2] > zo[2];
	const anc = up && o[0] <= zo[0] + E && o[0] + o[1] >= zo[0] + zo[1] - E;
	const sub = !up && o[0] >= zo[0] - E && o[0] + o[1] <= zo[0] + zo[1] + E;
	const name = g.kids.title.textContent;

	check(g.cls.has('hide') === !(anc || sub), 'shown wrongly: ' + name);
	check(g.cls.has('par') === anc, 'ancestor wrongly: ' + name);
	if (anc)
		check(Math.abs(X(g) - PX) < E && Math.abs(W(g) - FW) < E, 'ancestor not full width: ' + name);
	if (sub) {
		const s = FW / zo[1];
		check(Math.abs(W(g) - o[1] * s) < 0.02 * s && Math.abs(X(g) - (PX + (o[0] - zo[0]) * s)) < 0.02 * s,
		      'descendant misplaced: ' + name);
		check(X(g) >= PX - E && X(g) + W(g) <= PX + FW + 0.05, 'descendant outside: ' + name);
	}
});
ids.unzoom.handlers.click();
check(ids.unzoom.cls.has('hide'), 'Reset Zoom still shown');
frames.forEach((g, i) => check(!g.cls.has('hide') && X(g) === orig[i][0] && W(g) === orig[i][1],
			      'not restored: ' + g.kids.title.textContent));
check(!ids.search.cls.has('hide'), 'Search hidden with the script on');
answer = 'e';
ids.search.handlers.click();
let iv = [], tot = 0, end = -1;
frames.forEach((g, i) => {
	const n = g.kids.title.textContent, m = /e/.test(n.slice(0, n.lastIndexOf(' (')));

	check(g.cls.has('m') === m, 'search marks wrongly: ' + n);
	if (m)
		iv.push([orig[i][0], orig[i][0] + orig[i][1]]);
});
iv.sort((a, b) => a[0] - b[0]).forEach((v) => { if (v[1] > end) { tot += v[1] - Math.max(v[0], end); end = v[1]; } });
check(ids.matched.textContent === 'Matched: ' + (100 * tot / FW).toFixed(2) + '%', 'matched: ' + ids.matched.textContent);
check(ids.search.textContent === 'Reset Search', 'search button not reset');
win.handlers.keydown({ key: 'Escape', preventDefault() {} });
check(ids.matched.textContent === '' && !frames.some((g) => g.cls.has('m')), 'Escape did not clear the search');
console.log('ok: zoom to ' + frames[zi].kids.title.textContent + ', reset, search, escape');
