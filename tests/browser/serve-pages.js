// SPDX-License-Identifier: GPL-2.0
//
// The pages of a running `sonde serve` in headless chromium (Debian's,
// through chromium.js's launch()): /, /counters, /flamegraph and
// /stacks?pid=PID each load with no console error, no exception and no
// failed request of their own, and show their content: the index its
// links, the counters page the numbers its script fetched from
// /counters.json (and fetched again at the next interval), the flame
// graph its frames with the workload's hot function, the stacks page
// the snapshot (or, where the module is absent, the 503 that says so).
// A screenshot of each is kept in SHOTS/serve-NAME.png.
//
// Usage: node serve-pages.js BASE_URL SHOTS PID HOT STACKS_STATUS STACKS_TEXT
//   BASE_URL  the server, e.g. http://127.0.0.1:6060
//   PID, HOT  a process that burns CPU in function HOT
//   STACKS_STATUS, STACKS_TEXT  what /stacks?pid=PID must answer: the
//             status, and a text the page must show
// Prints one "ok - ..." or "not ok - ..." line a check, with "# "
// comments (tests/serve/pages.sh numbers them).  Exits 1 when any
// failed, 3 when chromium cannot start.
'use strict';

const path = require('path');
const { launch } = require('./chromium');

let failed = 0;
function check(ok, what, ...why) {
	console.log(`${ok ? 'ok' : 'not ok'} - serve: ${what}`);
	if (!ok) {
		failed++;
		for (const w of why)
			console.log(`# ${String(w).split('\n').join('\n# ')}`);
	}
}

// Open @url in a fresh page; what went wrong on it is in .problems.
// A main document answered @status (not 200) is expected: Chromium's
// own console line for it is not a problem then.
async function open(browser, url, status) {
	const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
	const problems = [];
	const expected = `the server responded with a status of ${status}`;
	page.setDefaultTimeout(20000);
	page.on('console', (m) => {
		if (m.type() !== 'error')
			return;
		if (status !== 200 && m.text().includes(expected) &&
		    m.location().url === url)
			return;
		problems.push(`console error: ${m.text()} (${m.location().url})`);
	});
	page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
	page.on('requestfailed', (r) =>
		problems.push(`request failed: ${r.url()}: ${r.failure().errorText}`));
	page.on('response', (r) => {
		if (r.url() !== url && r.status() >= 400)
			problems.push(`${r.url()}: status ${r.status()}`);
	});
	const resp = await page.goto(url, { waitUntil: 'load', timeout: 60000 });
	return { page, resp, problems };
}

// A full page, but for an SVG document, whose full-page capture never
// completes in chromium: its viewport (1000 px wide holds the graph).
async function shot(page, shots, name, fullPage = true) {
	const file = path.join(shots, `serve-${name}.png`);
	await page.screenshot({ path: file, fullPage });
	console.log(`# screenshot: ${file}`);
}

async function index(browser, base, shots) {
	const { page, resp, problems } = await open(browser, `${base}/`, 200);
	// The index reloads itself every 5 s: read it in one go, again if a
	// reload came in between.
	let seen;
	for (let i = 0; !seen && i < 3; i++) {
		try {
			seen = await page.evaluate(() => ({
				h1: document.querySelector('h1').textContent,
				links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
			}));
		} catch (e) {
			if (!/context was destroyed/.test(e.message))
				throw e;
			await page.waitForLoadState('load');
		}
	}
	const links = seen ? seen.links : [];
	const want = ['/metrics', '/counters', '/counters.json'];
	check(resp.status() === 200 && seen && seen.h1 === 'sonde serve' &&
	      want.every((l) => links.includes(l)) &&
	      links.some((l) => l.startsWith('/flamegraph')),
	      '/ shows its title and links /metrics, /counters, /flamegraph',
	      `status ${resp.status()}, links ${links.join(' ')}`);
	await shot(page, shots, 'index');
	check(!problems.length, '/: no console error, exception or failed request',
	      ...problems);
	await page.close();
}

async function counters(browser, base, shots) {
	const { page, resp, problems } = await open(browser, `${base}/counters`, 200);
	// The script fills the table from /counters.json, then again each interval.
	const fetched = [];
	page.on('response', (r) => {
		if (r.url() === `${base}/counters.json`)
			fetched.push(r.status());
	});
	let filled = true;
	try {
		await page.waitForFunction(() =>
			document.getElementById('updated').textContent !== '-' &&
			/^[0-9,]+$/.test(document.getElementById('requests').textContent) &&
			document.querySelectorAll('#history tr').length > 0);
	} catch (e) {
		filled = false;
	}
	const t0 = await page.textContent('#updated');
	const cells = {
		module: await page.textContent('#module-up'),
		device: await page.textContent('#device'),
		requests: await page.textContent('#requests'),
		rows: await page.$$eval('#history tr', (r) => r.length),
		status: await page.textContent('#status'),
	};
	check(resp.status() === 200 && filled && cells.status === '' &&
	      ['loaded', 'absent'].includes(cells.module) && cells.device !== '-',
	      `/counters shows the counters its script fetched (module ${cells.module}, device ${cells.device}, ${cells.requests} requests, ${cells.rows} history rows)`,
	      JSON.stringify(cells));
	// The next refresh (every 5 s) changes the time shown, in place.
	let refreshed = true;
	try {
		await page.waitForFunction((t) =>
			document.getElementById('updated').textContent !== t, t0,
			{ timeout: 12000 });
	} catch (e) {
		refreshed = false;
	}
	check(refreshed && fetched.length >= 1 && fetched.every((s) => s === 200),
	      `/counters refreshes itself in place (${t0} -> ${await page.textContent('#updated')})`,
	      `/counters.json fetched ${fetched.length} times after load: ${fetched.join(' ')}`);
	await shot(page, shots, 'counters');
	check(!problems.length, '/counters: no console error, exception or failed request',
	      ...problems);
	await page.close();
}

async function flamegraph(browser, base, shots, pid, hot) {
	const url = `${base}/flamegraph?seconds=1&pid=${pid}`;
	const { page, resp, problems } = await open(browser, url, 200);
	const names = await page.$$eval('g.f title', (ts) => ts.map((t) => t.textContent));
	check(resp.status() === 200 && names.length > 1 &&
	      names.some((n) => n.startsWith(`${hot} (`)),
	      `/flamegraph draws ${names.length} frames, ${hot}() among them`,
	      `status ${resp.status()}`, names.slice(0, 10).join(' | '));
	await shot(page, shots, 'flamegraph', false);
	check(!problems.length, '/flamegraph: no console error, exception or failed request',
	      ...problems);
	await page.close();
}

async function stacks(browser, base, shots, pid, status, text) {
	const url = `${base}/stacks?pid=${pid}`;
	const { page, resp, problems } = await open(browser, url, status);
	const body = await page.textContent('body');
	check(resp.status() === status && body.includes(text),
	      `/stacks?pid=PID: ${status}, showing "${text}"`,
	      `status ${resp.status()}`, body.slice(0, 400));
	await shot(page, shots, 'stacks');
	check(!problems.length, '/stacks: no console error, exception or failed request',
	      ...problems);
	await page.close();
}

async function main() {
	const [base, shots, pid, hot, status, text] = process.argv.slice(2);
	if (!text) {
		console.error('usage: node serve-pages.js BASE_URL SHOTS PID HOT STACKS_STATUS STACKS_TEXT');
		process.exit(2);
	}
	const browser = await launch();
	try {
		await index(browser, base, shots);
		await counters(browser, base, shots);
		await flamegraph(browser, base, shots, pid, hot);
		await stacks(browser, base, shots, pid, Number(status), text);
	} finally {
		await browser.close();
	}
}

main().then(() => process.exit(failed ? 1 : 0), (e) => {
	console.log(`not ok - serve-pages.js: ${e.message.split('\n')[0]}`);
	process.exit(1);
});
