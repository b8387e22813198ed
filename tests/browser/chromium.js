// SPDX-License-Identifier: GPL-2.0
//
// Launches Debian's chromium (/usr/bin/chromium, or $SONDE_CHROMIUM)
// headless through playwright-core, which never downloads a browser of
// its own here.  Used by speedscope-import.js and svg-interact.js: when
// the browser does not start, launch() prints "# chromium cannot start:
// REASON" and exits 3 (chromium.sh then skips).  Run alone ("node
// chromium.js") it only starts the browser and prints its version.
'use strict';

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
const { chromium } = require('playwright-core');

const executablePath = process.env.SONDE_CHROMIUM || '/usr/bin/chromium';

async function launch(opts) {
	const args = [
		// WebGL (speedscope draws with it) on the CPU: headless has no GPU.
		'--use-angle=swiftshader',
		'--enable-unsafe-swiftshader',
	];
	// Chromium's sandbox refuses to run as root.
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	try {
		return await chromium.launch({
			executablePath,
			headless: true,
			args,
			timeout: 30000,
			...opts,
		});
	} catch (e) {
		console.log('# chromium cannot start: ' +
			String(e.message || e).split('\n')[0]);
		process.exit(3);
	}
}

launch.executablePath = executablePath;
module.exports = { launch, executablePath };

if (require.main === module) {
	launch().then(async (b) => {
		console.log(`${executablePath} ${b.version()}`);
		await b.close();
	});
}
