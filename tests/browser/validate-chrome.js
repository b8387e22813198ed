#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
/*
 * Checks a Trace Event Format file (JSON object form) as Google's "Trace
 * Event Format" document describes the parts sonde writes: traceEvents
 * (an array; metadata events "ph": "M" with pid, tid and args.name),
 * the stackFrames dictionary (name, category, parent naming another
 * frame) and the global samples (cpu, tid, ts, name, weight; sf naming a
 * frame), every sampled thread named by a thread_name event.  The format
 * has no official schema: these are the rules catapult's importer
 * relies on.  Usage: validate-chrome.js FILE; exit status 1 with the
 * errors on stderr when invalid, 2 on a usage or read error.
 */
'use strict';

const fs = require('fs');

if (process.argv.length !== 3) {
	console.error('usage: validate-chrome.js FILE');
	process.exit(2);
}
let d;
try {
	d = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
} catch (e) {
	console.error(`validate-chrome: ${e.message}`);
	process.exit(2);
}
const errors = [];
const num = (v) => typeof v === 'number' && Number.isFinite(v);
const str = (v) => typeof v === 'string';

if (!Array.isArray(d.traceEvents))
	errors.push('traceEvents: not an array');
const named = new Set();
(d.traceEvents || []).forEach((e, i) => {
	if (e.ph !== 'M' || !str(e.name) || !num(e.pid) || !num(e.tid) ||
	    !e.args || !str(e.args.name))
		errors.push(`traceEvents/${i}: not a metadata event with pid, tid and args.name`);
	else if (e.name === 'thread_name')
		named.add(e.tid);
});
const frames = d.stackFrames || {};
for (const [id, f] of Object.entries(frames)) {
	if (!str(f.name) || !str(f.category))
		errors.push(`stackFrames/${id}: no name or category`);
	if (f.parent !== undefined && !(String(f.parent) in frames))
		errors.push(`stackFrames/${id}: no parent ${f.parent}`);
}
if (!Array.isArray(d.samples))
	errors.push('samples: not an array');
(d.samples || []).forEach((s, i) => {
	for (const k of ['cpu', 'pid', 'tid', 'ts', 'weight'])
		if (!num(s[k]))
			errors.push(`samples/${i}: ${k} is not a number`);
	if (!str(s.name))
		errors.push(`samples/${i}: no name`);
	if (s.sf !== undefined && !(String(s.sf) in frames))
		errors.push(`samples/${i}: no stack frame ${s.sf}`);
	if (!named.has(s.tid))
		errors.push(`samples/${i}: thread ${s.tid} has no thread_name`);
});
if (errors.length) {
	for (const e of errors.slice(0, 50))
		console.error(e);
	process.exit(1);
}
console.log(`${process.argv[2]}: valid trace (${d.samples.length} samples, ${Object.keys(frames).length} stack frames)`);
