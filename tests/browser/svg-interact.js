// SPDX-License-Identifier: GPL-2.0
//
// sonde's SVG flame graph (sonde export -f svg) opened from file:// in
// headless chromium, driven as a user would drive it: the page loads
// without console error or exception and its script shows the
// "Search" button; searching (the button, then the prompt's answer)
// highlights exactly the frames whose names match the regular
// expression, says "Matched: P%" with 0 < P <= 100, and "Reset Search"
// clears both; clicking a frame zooms to it (its rect then spans the
// full width, frames beside it are hidden, its callers are dimmed) and
// "Reset Zoom" puts every rect back where it was.  With JavaScript off,
// the same frames are there, each with its <title>, and no button
// shows.  See user/export/svg-script.c for the script tested.
//
// Usage: node svg-interact.js FILE.svg REGEX
// Prints one "ok - ..." or "not ok - ..." line a check, with "# "
// comments; chromium.sh numbers them.  Exits 1 when any failed.
'use strict';

const path = require('path');
const { pathToFileURL } = require('url');
const { launch } = require('./chromium');

let failed = 0;
function check(ok, what, ...why) {
	console.log(`${ok ? 'ok' : 'not ok'} - svg: ${what}`);
	if (!ok) {
		failed++;
		for (const w of why)
			console.log(`# ${w}`);
	}
}

// Every frame: its name (from the <title>), classes and rect geometry.
function frames(page) {
	return page.$$eval('g.f', (gs) => gs.map((g) => {
		const t = g.querySelector('title').textContent;
		const r = g.querySelector('rect');
		return {
			name: t.slice(0, t.lastIndexOf(' (')),
			cls: g.getAttribute('class'),
			x: +r.getAttribute('x'), w: +r.getAttribute('width'),
			y: +r.getAttribute('y'),
		};
	}));
}

const has = (f, c) => f.cls.split(/\s+/).includes(c);

async function main() {
	const [file, query] = process.argv.slice(2);
	if (!file || !query) {
		console.error('usage: node svg-interact.js FILE.svg REGEX');
		process.exit(2);
	}
	const url = pathToFileURL(path.resolve(file)).href;
	const browser = await launch();
	try {
		const page = await browser.newPage();
		page.setDefaultTimeout(10000);
		const errors = [];
		page.on('console', (m) => {
			if (m.type() === 'error')
				errors.push(`console error: ${m.text()}`);
		});
		page.on('pageerror', (e) => errors.push(`exception: ${e.message}`));
		await page.goto(url);
		const S = await page.$eval('svg', (s) => ({
			w: +s.getAttribute('data-w'), px: +s.getAttribute('data-px'),
		}));
		const fw = S.w - 2 * S.px;
		const before = await frames(page);
		const searchShown = await page.$eval('#search',
			(e) => !e.classList.contains('hide'));
		check(before.length > 1 && searchShown && !errors.length,
			`loads: ${before.length} frames, "Search" shown, ` +
			'no console error or exception',
			`frames ${before.length}, search shown ${searchShown}`,
			...errors);

		// Search: the button asks by prompt().
		page.once('dialog', (d) => d.accept(query));
		await page.click('#search');
		const re = new RegExp(query);
		const found = await frames(page);
		const want = found.filter((f) => re.test(f.name)).length;
		const got = found.filter((f) => has(f, 'm')).length;
		const wrong = found.filter((f) => has(f, 'm') !== re.test(f.name));
		const matched = await page.textContent('#matched');
		const pct = /^Matched: (\d+\.\d\d)%$/.exec(matched);
		const button = await page.textContent('#search');
		check(want > 0 && !wrong.length && pct && +pct[1] > 0 &&
			+pct[1] <= 100 && button === 'Reset Search',
			`search /${query}/ highlights ${got} frames ` +
			`(${want} match), "${matched}", button "${button}"`,
			...wrong.slice(0, 5).map((f) =>
				`${f.name}: class "${f.cls}", match ${re.test(f.name)}`));
		await page.click('#search');
		const cleared = (await frames(page)).filter((f) => has(f, 'm'));
		const matched2 = await page.textContent('#matched');
		const button2 = await page.textContent('#search');
		check(!cleared.length && matched2 === '' && button2 === 'Search',
			'"Reset Search" clears the highlight and "Matched"',
			`${cleared.length} still highlighted, matched "${matched2}", ` +
			`button "${button2}"`);

		// Zoom: click the widest frame at most half as wide as the
		// graph (a real zoom, at least 2x), at its rect's middle.
		let zi = -1;
		before.forEach((f, i) => {
			if (!has(f, 'a') && f.w <= fw / 2 && f.w > 20 &&
			    (zi < 0 || f.w > before[zi].w))
				zi = i;
		});
		if (zi < 0)
			throw new Error('no frame between 20 px and half the width');
		const z = before[zi];
		const rect = page.locator('g.f rect').nth(zi);
		await rect.click();
		const zoomed = await frames(page);
		const zf = zoomed[zi];
		const hidden = zoomed.filter((f) => has(f, 'hide')).length;
		const dimmed = zoomed.filter((f) => has(f, 'par')).length;
		const unzoomShown = await page.$eval('#unzoom',
			(e) => !e.classList.contains('hide'));
		check(Math.abs(zf.x - S.px) < 0.01 && Math.abs(zf.w - fw) < 0.01 &&
			hidden > 0 && dimmed > 0 && unzoomShown && !has(zf, 'hide'),
			`click on "${z.name}" (x ${z.x}, width ${z.w}) zooms: ` +
			`x ${zf.x}, width ${zf.w} of ${fw}, ${hidden} hidden, ` +
			`${dimmed} callers dimmed, "Reset Zoom" shown`,
			`unzoom shown ${unzoomShown}, zoomed frame class "${zf.cls}"`);

		await page.click('#unzoom');
		const back = await frames(page);
		const moved = back.filter((f, i) => f.x !== before[i].x ||
			f.w !== before[i].w || has(f, 'hide') || has(f, 'par'));
		const unzoomHidden = await page.$eval('#unzoom',
			(e) => e.classList.contains('hide'));
		check(back.length === before.length && !moved.length && unzoomHidden,
			'"Reset Zoom" puts every frame back',
			...moved.slice(0, 5).map((f) =>
				`${f.name}: x ${f.x} width ${f.w} class "${f.cls}"`));
		check(!errors.length, 'no console error or exception while used',
			...errors);

		// Without JavaScript: the same frames, with their titles.
		const ctx = await browser.newContext({ javaScriptEnabled: false });
		const plain = await ctx.newPage();
		await plain.goto(url);
		const still = await frames(plain);
		const hiddenSearch = await plain.$eval('#search',
			(e) => e.getAttribute('class') === 'hide');
		const same = still.length === before.length &&
			still.every((f, i) => f.name === before[i].name &&
				f.x === before[i].x && f.w === before[i].w);
		const box = await plain.locator('g.f rect').first().boundingBox();
		check(same && hiddenSearch && box && box.width > 0,
			`without JavaScript: the same ${still.length} frames drawn, ` +
			'no "Search" button',
			`frames ${still.length} (same ${same}), search hidden ` +
			`${hiddenSearch}, first rect box ${JSON.stringify(box)}`);
		await ctx.close();
	} finally {
		await browser.close();
	}
	process.exit(failed ? 1 : 0);
}

main().catch((e) => {
	console.log(`not ok - svg-interact.js: ${e.message.split('\n')[0]}`);
	process.exit(1);
});
