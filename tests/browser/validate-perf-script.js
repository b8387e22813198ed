#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
/*
 * Checks `perf script` text (sonde script, export -f perf-script) by the
 * rules of the Firefox Profiler's importer for it (firefox-devtools/
 * profiler, src/profile-logic/import/linux-perf.ts), which is a web app
 * that cannot be installed here (speedscope's import of the same text is
 * checked in chromium by chromium.sh).  Its rules, as facts of the
 * format:
 *
 *  - detection: the text starts with perf's "# ========" header, or its
 *    first line is NAME, whitespace, [PID/]TID, whitespace, an optional
 *    [CPU], then a decimal timestamp and ':';
 *  - a sample starts at a line that is neither empty nor a '#' comment:
 *    everything before the last "whitespace TIMESTAMP:" is the name and
 *    ids, whose last "whitespace [PID/]TID" word gives the ids and leaves
 *    the thread name before it;
 *  - its frames follow, one a line, up to an empty line: optional
 *    whitespace, an address (a word), optional whitespace, the function,
 *    " (", the module, ")".  A line that does not match is dropped
 *    silently: here it is an error, as is a sample left without frames
 *    (the importer drops it) or a header whose ids do not parse.
 *
 * Prints what it read (samples, frames, threads).  Usage:
 * validate-perf-script.js FILE; exit status 1 with the errors on stderr
 * when the importer would not read all of it, 2 on a usage or read
 * error.  An empty file (no sample) is valid and says so.
 */
'use strict';

const fs = require('fs');

if (process.argv.length !== 3) {
	console.error('usage: validate-perf-script.js FILE');
	process.exit(2);
}
let text;
try {
	text = fs.readFileSync(process.argv[2], 'utf8');
} catch (e) {
	console.error(`validate-perf-script: ${e.message}`);
	process.exit(2);
}
if (text === '') {
	console.log(`${process.argv[2]}: empty (no sample)`);
	process.exit(0);
}

const errors = [];
const detect = /^\S.*?\s+(?:\d+\/)?\d+\s+(?:\[\d+\]\s+)?[\d.]+:/;
const start = /^(.*)\s+([\d.]+):/;
const ids = /^(.*)\s+(?:(\d+)\/)?(\d+)\b/;
const frame = /^\s*(\w+)\s*(.+) \(([^)]*)\)/;

if (!text.startsWith('# ========\n') &&
    (text.startsWith('{') || !detect.test(text.split('\n', 1)[0])))
	errors.push(`not detected as perf script: "${text.split('\n', 1)[0]}"`);

const lines = text.split('\n');
const threads = new Set();
let samples = 0, frames = 0, i = 0;

while (i < lines.length && errors.length < 20) {
	const line = lines[i++];

	if (line === '' || line.startsWith('#'))
		continue;
	const m = start.exec(line);
	const t = m && ids.exec(m[1]);

	if (!t || !t[1].trim()) {
		errors.push(`line ${i}: not a sample's first line: "${line}"`);
		continue;
	}
	let n = 0;

	for (; i < lines.length && lines[i].trim() !== ''; i++) {
		if (frame.test(lines[i]))
			n++;
		else
			errors.push(`line ${i + 1}: frame not read: "${lines[i]}"`);
	}
	if (!n)
		errors.push(`line ${i}: a sample without frames: "${line}"`);
	samples++;
	frames += n;
	threads.add(`${t[1].trim()} ${t[2] || 0}/${t[3]}`);
}

if (errors.length) {
	errors.forEach((e) => console.error(e));
	process.exit(1);
}
console.log(`${process.argv[2]}: ${samples} samples, ${frames} frames, ` +
	    `${threads.size} named threads`);
