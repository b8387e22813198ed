// SPDX-License-Identifier: GPL-2.0
//
// Speedscope itself imports sonde's exports: its built app (the npm
// package's dist/release) is served by a local HTTP server together with
// the files named on the command line, and opened in headless chromium.
// The first file comes by "#profileURL=" in the page's address, the
// others through the file chooser of speedscope's Ctrl-O (its "Import").
// A file passes when speedscope logs that it imports it as the expected
// format ("Importing as ..."), sets the page title to "NAME - speedscope"
// (its sign of a loaded profile), draws into a canvas, and shows no
// alert ("Unrecognized format!", "...but it's empty!"), no "Failed to
// load format", no console error and no exception.  The file names
// carry no format hint, so speedscope recognises each by its content.
// A screenshot of the first file's flame graph (speedscope's "Left
// Heavy" view, of its last profile: the workload's thread) is saved in
// SHOTDIR as speedscope-FORMAT.png.
//
// A file without samples (FORMAT speedscope-empty) passes when
// speedscope recognises it and then says it is empty, in its own alert
// ("Successfully imported profile, but it's empty!"), with no other
// problem: that is all speedscope does with no profile.
//
// Usage: node speedscope-import.js SHOTDIR FORMAT=FILE...
// (FORMAT: speedscope, pprof, folded, chrome, perf-script or
// speedscope-empty.)
// Prints one "ok - ..." or "not ok - ..." line a file, with "# "
// comments; chromium.sh numbers them.  Exits 1 when any failed.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { launch } = require('./chromium');

// What speedscope logs when it recognises each format (its importer
// chooses by content when the name says nothing).
const expected = {
	speedscope: 'Importing as speedscope json file',
	pprof: 'Importing as protobuf encoded pprof file',
	folded: 'Importing as collapsed stack format',
	chrome: 'Importing as Trace Event Format profile',
	'perf-script': 'Importing from linux perf script output',
	'speedscope-empty': 'Importing as speedscope json file',
};
const emptyAlert = "alert: Successfully imported profile, but it's empty!";

const app = path.join(path.dirname(require.resolve('speedscope/package.json')),
	'dist', 'release');
const types = {
	'.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css',
	'.json': 'application/json', '.wasm': 'application/wasm',
	'.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};

function serve(profiles) {
	const server = http.createServer((req, res) => {
		const url = new URL(req.url, 'http://localhost');
		let file = null;
		if (url.pathname.startsWith('/profile/'))
			file = profiles[url.pathname.slice('/profile/'.length)];
		else if (url.pathname.startsWith('/app/')) {
			const rel = path.normalize(url.pathname.slice('/app/'.length));
			if (!rel.startsWith('..'))
				file = path.join(app, rel || 'index.html');
		}
		if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
			res.writeHead(404);
			res.end();
			return;
		}
		res.writeHead(200, {
			'Content-Type': types[path.extname(file)] ||
				'application/octet-stream',
		});
		fs.createReadStream(file).pipe(res);
	});
	return new Promise((resolve) =>
		server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Listens to PAGE once; problems and "Importing ..." logs land in the
// arrays of the current import (state.cur).
function watch(page, state) {
	page.on('console', (m) => {
		const t = m.text();
		if (m.type() === 'error')
			state.cur.errors.push(`console error: ${t}`);
		else
			state.cur.logs.push(t);
		if (t.startsWith('Failed to load format'))
			state.cur.errors.push(t);
	});
	page.on('pageerror', (e) =>
		state.cur.errors.push(`exception: ${e.message}`));
	page.on('dialog', (d) => {
		state.cur.errors.push(`alert: ${d.message()}`);
		d.dismiss().catch(() => {});
	});
}

// The first file comes by "#profileURL=" in a new page's address; the
// others through the file chooser speedscope opens on Ctrl-O (as its
// "Import" button does), as a file named after the format alone.
async function importOne(page, state, base, format, file, first) {
	const cur = state.cur = { logs: [], errors: [] };
	const t0 = Date.now();
	if (first) {
		// A new document each time (a new hash alone would not reload).
		await page.goto('about:blank');
		await page.goto(`${base}/app/index.html#profileURL=` +
			encodeURIComponent(`${base}/profile/${format}`) +
			'&view=left-heavy');
	} else {
		await page.evaluate(() => { document.title = ''; });
		// Ctrl-O is lost while speedscope is still busy with the
		// previous profile after setting the title: try again.
		let chooser = null;
		for (let i = 0; !chooser && i < 5; i++) {
			[chooser] = await Promise.all([
				page.waitForEvent('filechooser', { timeout: 2000 })
					.catch(() => null),
				page.keyboard.press('Control+o'),
			]);
		}
		if (!chooser)
			throw new Error('no file chooser after 5 Ctrl-O');
		await chooser.setFiles({
			name: format,
			mimeType: 'application/octet-stream',
			buffer: fs.readFileSync(file),
		});
	}
	// Loaded: the title names the profile.  Failed: an alert, a logged
	// failure, or an exception.
	const deadline = Date.now() + 20000;
	let title = '';
	while (Date.now() < deadline) {
		title = await page.title();
		if (title.endsWith(' - speedscope') || cur.errors.length)
			break;
		await page.waitForTimeout(50);
	}
	const ms = Date.now() - t0;
	const empty = format === 'speedscope-empty';
	const problems = cur.errors.filter((e) => !empty || e !== emptyAlert);
	const imported = cur.logs.filter((l) => l.startsWith('Importing '));
	if (empty && !cur.errors.includes(emptyAlert))
		problems.push(`no alert "${emptyAlert.slice(7)}" (title "${title}")`);
	else if (!empty && !title.endsWith(' - speedscope') && !cur.errors.length)
		problems.push(`not loaded after 20 s (title "${title}")`);
	if (!imported.includes(expected[format]))
		problems.push(`speedscope logged ${JSON.stringify(imported)}, ` +
			`not "${expected[format]}"`);
	// The flame graph view: speedscope draws it in a WebGL canvas.
	if (!empty && !problems.length && !await page.$('canvas'))
		problems.push('no canvas in the page');
	return { problems, imported, title, ms,
		how: first ? 'by #profileURL=' : 'by Ctrl-O' };
}

async function main() {
	const [shotdir, ...specs] = process.argv.slice(2);
	if (!shotdir || !specs.length) {
		console.error('usage: node speedscope-import.js SHOTDIR FORMAT=FILE...');
		process.exit(2);
	}
	fs.mkdirSync(shotdir, { recursive: true });
	const profiles = {};
	for (const s of specs) {
		const i = s.indexOf('=');
		const f = s.slice(0, i);
		if (i < 0 || !expected[f]) {
			console.error(`bad FORMAT=FILE: ${s}`);
			process.exit(2);
		}
		profiles[f] = path.resolve(s.slice(i + 1));
	}
	const server = await serve(profiles);
	const base = `http://127.0.0.1:${server.address().port}`;
	const t0 = Date.now();
	const browser = await launch();
	console.log(`# ${launch.executablePath} ${browser.version()} ` +
		`started in ${Date.now() - t0} ms`);
	const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
	const state = { cur: { logs: [], errors: [] } };
	page.setDefaultTimeout(10000);
	watch(page, state);
	let failed = 0, first = true;
	try {
		for (const f of Object.keys(profiles)) {
			let r;
			try {
				r = await importOne(page, state, base, f, profiles[f], first);
			} catch (e) {
				r = { problems: [`exception: ${e.message}`], imported: [] };
			}
			if (r.problems.length) {
				failed++;
				console.log(`not ok - speedscope imports ${f}`);
				for (const p of r.problems)
					console.log(`# ${p}`);
			} else {
				console.log(`ok - speedscope imports ${f} ${r.how}: ` +
					`"${expected[f]}", title "${r.title}", ${r.ms} ms`);
			}
			if (first && !r.problems.length) {
				// "n": the next profile, to the last one.
				for (let i = 0; i < 8; i++) {
					const t = await page.textContent('body');
					const m = /\((\d+)\/(\d+)\)/.exec(t);
					if (!m || m[1] === m[2])
						break;
					await page.keyboard.press('n');
					await page.waitForTimeout(100);
				}
				await page.waitForTimeout(300);
				const shot = path.join(shotdir, `speedscope-${f}.png`);
				await page.screenshot({ path: shot });
				console.log(`# screenshot ${shot}`);
			}
			// A page that failed to load may have no profile view: start again.
			if (first && r.problems.length)
				continue;
			first = false;
		}
	} finally {
		await browser.close();
		server.close();
	}
	process.exit(failed ? 1 : 0);
}

main().catch((e) => {
	console.log(`not ok - speedscope-import.js: ${e.message}`);
	process.exit(1);
});
