#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
/*
 * Validates a speedscope file against the JSON schema that speedscope
 * itself ships (node_modules/speedscope/dist/release/file-format-schema.json,
 * draft-07), with Ajv.  Usage: validate-speedscope.js FILE
 * Beyond the schema, what speedscope's importer relies on: every frame
 * index in a sample names a frame, a sampled profile has one weight per
 * sample, activeProfileIndex (when given) names a profile, and a file
 * without profiles has a name (the importer falls back on the first
 * profile's).
 * Exit status 0 when valid; 1 with Ajv's errors on stderr otherwise; 2 on
 * a usage or read error.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');

if (process.argv.length !== 3) {
	console.error('usage: validate-speedscope.js FILE');
	process.exit(2);
}
const schemaPath = path.join(path.dirname(require.resolve('speedscope/package.json')),
			     'dist', 'release', 'file-format-schema.json');
let schema, data;
try {
	schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
	data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
} catch (e) {
	console.error(`validate-speedscope: ${e.message}`);
	process.exit(2);
}
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
if (!validate(data)) {
	for (const e of validate.errors)
		console.error(`${e.instancePath || '/'}: ${e.message}`);
	process.exit(1);
}
const errors = [];
if ('activeProfileIndex' in data &&
    !(Number.isInteger(data.activeProfileIndex) &&
      data.activeProfileIndex >= 0 &&
      data.activeProfileIndex < data.profiles.length))
	errors.push(`/activeProfileIndex: ${data.activeProfileIndex} names ` +
		    `none of ${data.profiles.length} profiles`);
if (!data.profiles.length && !data.name)
	errors.push('/name: none, and no profile to take it from');
data.profiles.forEach((p, i) => {
	if (p.type !== 'sampled')
		return;
	if (p.samples.length !== p.weights.length)
		errors.push(`/profiles/${i}: ${p.samples.length} samples but ${p.weights.length} weights`);
	p.samples.forEach((stack, j) => {
		for (const f of stack)
			if (!Number.isInteger(f) || f < 0 || f >= data.shared.frames.length)
				errors.push(`/profiles/${i}/samples/${j}: no frame ${f}`);
	});
});
if (errors.length) {
	for (const e of errors)
		console.error(e);
	process.exit(1);
}
console.log(`${process.argv[2]}: valid speedscope file (${data.profiles.length} profiles, ${data.shared.frames.length} frames)`);
