// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: speedscope's own file format, as its JSON schema defines
 * it (file-format-schema.json, shipped in the speedscope npm package and
 * published at https://www.speedscope.app/file-format-schema.json; the
 * format is described in speedscope's src/lib/file-format-spec.ts):
 *
 *   {"$schema": "https://www.speedscope.app/file-format-schema.json",
 *    "exporter": "sonde VERSION", "name": ..., "activeProfileIndex": 0,
 *    "profiles": [{"type": "sampled", "name": "comm (pid P, tid T)",
 *                  "unit": "nanoseconds", "startValue": 0,
 *                  "endValue": TOTAL, "samples": [[root, ..., leaf], ...],
 *                  "weights": [ns, ...]}, ...],
 *    "shared": {"frames": [{"name": ..., "file": ...}, ...]}}
 *
 * With no sample, "profiles" is empty and "activeProfileIndex" (optional
 * in the schema) left out: there is no profile 0 to show; speedscope
 * then says it imported the file "but it's empty!".  "name" is always
 * there: without it, speedscope's importer reads the first profile's.
 *
 * One sampled profile per thread of the profile model (a (pid, tid, comm)
 * as sampled), its samples in file order; consecutive samples of a thread
 * on the same stack are one entry whose weight is their sum.  A sample
 * weighs its count times its period, in nanoseconds, so a profile's
 * weights sum to its samples times the period; in a recording whose
 * period is unknown (no SESSION section), the unit is "none" and a
 * sample weighs its count.  A frame is a function of
 * the model, or a function inlined at a location (named "NAME (inlined)"),
 * each inlined function a frame above its caller, as in the folded
 * output; "file" is the function's source file when known, else its DSO
 * ("[kernel.kallsyms]" for the kernel, the perf map for JIT code).
 * Names are JSON strings escaped by lib/json.h (invalid UTF-8 becomes
 * U+FFFD).
 *
 * Memory: the output is streamed.  Besides the model, the writer holds
 * 16 bytes per function (frame numbers both ways, inlined or not), 1 per
 * stack while numbering, and 8 per sample and per thread (the samples'
 * order by thread), whatever the output's size.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "export/speedscope.h"
#include "lib/json.h"
#include "lib/util.h"
#include "sonde-version.h"

struct speedscope {
	const struct profile *p;
	FILE *out;
	__u32 *frame_of;	/* function * 2 + inlined -> frame + 1, or 0 */
	__u32 *frames;		/* frame -> function * 2 + inlined */
	__u32 nr_frames;
	size_t *first;		/* thread -> its first index in @order */
	size_t *order;		/* sample indexes, by thread, in file order */
	bool unit_ns;		/* weights in ns, else in samples */
};

static int write_err(FILE *out)
{
	return ferror(out) ? (errno ? -errno : -EIO) : 0;
}

static void use_frame(struct speedscope *ss, __u32 fn, bool inlined)
{
	__u32 key = fn * 2 + inlined;

	if (!ss->frame_of[key]) {
		ss->frames[ss->nr_frames++] = key;
		ss->frame_of[key] = ss->nr_frames;
	}
}

/*
 * Number the frames the samples' stacks use, in the order of the stacks,
 * each stack leaf first.
 */
static int number_frames(struct speedscope *ss)
{
	const struct profile *p = ss->p;
	bool *used = calloc(p->nr_stacks + 1, sizeof(*used));
	__u32 i, j, k;
	size_t n;

	ss->frame_of = calloc(2 * (size_t)p->nr_functions + 1,
			      sizeof(*ss->frame_of));
	ss->frames = calloc(2 * (size_t)p->nr_functions + 1,
			    sizeof(*ss->frames));
	if (!used || !ss->frame_of || !ss->frames) {
		free(used);
		return -ENOMEM;
	}
	for (n = 0; n < p->nr_samples; n++)
		used[p->samples[n].stack] = true;
	for (i = 0; i < p->nr_stacks; i++) {
		const struct profile_stack *ps = &p->stacks[i];

		if (!used[i])
			continue;
		for (j = 0; j < ps->nr; j++) {
			const struct profile_location *loc =
				&p->locations[ps->locs[j]];

			for (k = 0; k < loc->nr_inlined; k++)
				use_frame(ss, p->lines[loc->inlined + k].function,
					  true);
			use_frame(ss, loc->function, false);
		}
	}
	free(used);
	return 0;
}

/* The samples' indexes grouped by thread (a counting sort). */
static int order_samples(struct speedscope *ss)
{
	const struct profile *p = ss->p;
	size_t i, *next;

	ss->first = calloc(p->nr_threads + 1, sizeof(*ss->first));
	ss->order = calloc(p->nr_samples + 1, sizeof(*ss->order));
	next = calloc(p->nr_threads + 1, sizeof(*next));
	if (!ss->first || !ss->order || !next) {
		free(next);
		return -ENOMEM;
	}
	for (i = 0; i < p->nr_samples; i++)
		ss->first[p->samples[i].thread + 1]++;
	for (i = 0; i < p->nr_threads; i++)
		ss->first[i + 1] += ss->first[i];
	for (i = 0; i < p->nr_threads; i++)
		next[i] = ss->first[i];
	for (i = 0; i < p->nr_samples; i++)
		ss->order[next[p->samples[i].thread]++] = i;
	free(next);
	return 0;
}

static int write_frames(struct speedscope *ss)
{
	const struct profile *p = ss->p;
	FILE *out = ss->out;
	__u32 i;
	int err;

	fputs("\"shared\":{\"frames\":[", out);
	for (i = 0; i < ss->nr_frames; i++) {
		const struct profile_function *fn =
			&p->functions[ss->frames[i] / 2];

		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		err = json__write_str2(out, profile__str(p, fn->name),
				       ss->frames[i] & 1 ? " (inlined)" : NULL);
		if (err)
			return err;
		fputs(",\"file\":", out);
		err = json__write_str(out, profile__str(p, fn->filename ?
							    fn->filename : fn->dso));
		if (err)
			return err;
		putc('}', out);
	}
	fputs("]}", out);
	return write_err(out);
}

/* @stack's frame numbers, root first, as a JSON array. */
static void write_stack(struct speedscope *ss, __u32 stack)
{
	const struct profile *p = ss->p;
	const struct profile_stack *ps = &p->stacks[stack];
	const char *sep = "";
	__u32 i, j;

	putc('[', ss->out);
	for (i = ps->nr; i-- > 0;) {
		const struct profile_location *loc = &p->locations[ps->locs[i]];

		fprintf(ss->out, "%s%u", sep,
			ss->frame_of[loc->function * 2] - 1);
		sep = ",";
		for (j = loc->nr_inlined; j-- > 0;)
			fprintf(ss->out, ",%u", ss->frame_of[
				p->lines[loc->inlined + j].function * 2 + 1] - 1);
	}
	putc(']', ss->out);
}

/*
 * The run of samples of one stack that starts at @order[*i] (before
 * @end): its stack and weight (ns); *@i moves past it.
 */
static __u32 next_run(const struct speedscope *ss, size_t *i, size_t end,
		      __u64 *weight)
{
	const struct profile_sample *s = &ss->p->samples[ss->order[*i]];
	__u32 stack = s->stack;

	*weight = 0;
	for (; *i < end; (*i)++) {
		s = &ss->p->samples[ss->order[*i]];
		if (s->stack != stack)
			break;
		*weight = sat_add_u64(*weight, ss->unit_ns ?
				      profile__sample_ns(ss->p, s) : s->count);
	}
	return stack;
}

static int write_thread(struct speedscope *ss, __u32 t, bool first)
{
	const struct profile *p = ss->p;
	const struct profile_thread *th = &p->threads[t];
	size_t i, start = ss->first[t], end = ss->first[t + 1];
	char name[64];
	FILE *out = ss->out;
	__u64 w, total = 0;
	__u32 stack;
	int err;

	for (i = start; i < end;) {
		next_run(ss, &i, end, &w);
		total = sat_add_u64(total, w);
	}
	fputs(first ? "\n{\"type\":\"sampled\",\"name\":" :
		      ",\n{\"type\":\"sampled\",\"name\":", out);
	snprintf(name, sizeof(name), " (pid %u, tid %u)", th->pid, th->tid);
	err = json__write_str2(out, profile__str(p, th->comm), name);
	if (err)
		return err;
	fprintf(out, ",\"unit\":\"%s\",\"startValue\":0,"
		"\"endValue\":%llu,\"samples\":[",
		ss->unit_ns ? "nanoseconds" : "none", (unsigned long long)total);
	for (i = start; i < end;) {
		stack = next_run(ss, &i, end, &w);
		write_stack(ss, stack);
		putc(i < end ? ',' : ']', out);
		err = write_err(out);
		if (err)
			return err;
	}
	fputs(",\"weights\":[", out);
	for (i = start; i < end;) {
		next_run(ss, &i, end, &w);
		fprintf(out, "%llu%c", (unsigned long long)w,
			i < end ? ',' : ']');
	}
	putc('}', out);
	return write_err(out);
}

int speedscope__write(const struct profile *p, FILE *out)
{
	struct speedscope ss = { .p = p, .out = out, .unit_ns = p->period_ns };
	bool first = true;
	__u32 t;
	int err;

	err = number_frames(&ss);
	if (!err)
		err = order_samples(&ss);
	if (err)
		goto out_free;
	errno = 0;
	fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"
	      "\"exporter\":\"sonde " SONDE_VERSION "\",\"name\":\"sonde\",", out);
	/* Every sample has a thread, so a sample makes a profile. */
	if (p->nr_samples)
		fputs("\"activeProfileIndex\":0,", out);
	fputs("\n\"profiles\":[", out);
	for (t = 0; t < p->nr_threads; t++) {
		if (ss.first[t] == ss.first[t + 1])
			continue;
		err = write_thread(&ss, t, first);
		if (err)
			goto out_free;
		first = false;
	}
	fputs("],\n", out);
	err = write_frames(&ss);
	if (!err) {
		fputs("}\n", out);
		err = fflush(out) ? -errno : write_err(out);
	}
out_free:
	free(ss.frame_of);
	free(ss.frames);
	free(ss.first);
	free(ss.order);
	return err;
}
