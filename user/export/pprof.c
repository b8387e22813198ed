// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: pprof's profile.proto from the profile model (pprof.h).
 *
 * Every message lives in a few arrays allocated here, pointed at by the
 * generated structs; protobuf-c packs the whole tree into one buffer,
 * which zlib writes out as a gzip stream.
 *
 * Numeric labels carry a unit, their own key ("pid", "tid", "cpu").
 * proto3 leaves a zero num out, and pprof's reader (profile/encode.go,
 * postDecode) drops a label that has neither str, num nor num_unit: the
 * unit is what keeps CPU 0 and pid 0 (the idle task).  It is the unit
 * pprof infers for a number without one (Profile.NumLabelUnits), and not
 * one its measurement package scales (bytes, time, GCU), so every view
 * and -tagfocus treats the labels as before.  pprof has no empty string
 * label either (str 0 is ""): a thread without a name gets no comm.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "export/pprof.h"
#include "lib/hmap.h"
#include "lib/utf8.h"
#include "lib/util.h"
#include "profile.pb-c.h"

/* Strings pprof needs beyond the profile's own, appended to its table. */
enum {
	EXTRA_SAMPLES, EXTRA_COUNT, EXTRA_CPU, EXTRA_NANOSECONDS, EXTRA_PID,
	EXTRA_TID, EXTRA_COMM, NR_EXTRA
};

static const char *const extra_strings[NR_EXTRA] = {
	[EXTRA_SAMPLES] = "samples", [EXTRA_COUNT] = "count",
	[EXTRA_CPU] = "cpu", [EXTRA_NANOSECONDS] = "nanoseconds",
	[EXTRA_PID] = "pid", [EXTRA_TID] = "tid", [EXTRA_COMM] = "comm",
};

#define NR_LABELS	4	/* pid, tid, cpu, comm */

/* A merged sample: samples of one stack, thread, CPU and event. */
struct merged {
	__u32 stack, thread, cpu, event;
	__u64 count, value;	/* samples; ns (the timer) or events */
};

/*
 * Sample types: samples/count and cpu/nanoseconds (the timer), then one
 * per perf counter the recording sampled on, named as it was recorded
 * ("page-faults"/count, "task-clock"/nanoseconds): a sample's value is
 * its period times its count under its own event's type, 0 elsewhere.
 */
#define MAX_TYPES	(2 + SONDE_MAX_EVENTS)

struct pprof {
	const struct profile *p;
	Perftools__Profiles__Profile msg;
	/* the sample types, then the period's */
	Perftools__Profiles__ValueType types[MAX_TYPES + 1];
	struct Perftools__Profiles__ValueType *type_ptrs[MAX_TYPES];
	unsigned int nr_types;
	Perftools__Profiles__Mapping *mappings;
	Perftools__Profiles__Function *functions;
	Perftools__Profiles__Location *locations;
	Perftools__Profiles__Line *lines;
	/* per location its inlined functions' lines, then its own */
	Perftools__Profiles__Line **line_ptrs;
	Perftools__Profiles__Sample *samples;
	Perftools__Profiles__Label *labels;	/* pid, tid, comm per thread */
	Perftools__Profiles__Label *cpu_labels;	/* per distinct CPU */
	__u32 *cpu_label_of;			/* merged sample -> its */
	int64_t *values;
	uint64_t *location_ids;
	struct merged *merged;
	size_t nr_merged;
	__u32 *mapping_id;	/* model mapping -> pprof id */
	long binary;		/* the main binary's model mapping, or -1 */
	__u32 extra[NR_EXTRA];	/* string ids of extra_strings */
};

static bool merged_eq(const void *a, const void *b)
{
	return !memcmp(a, b, 4 * sizeof(__u32));
}

/* Samples merged by (stack, thread, cpu), in first-seen order. */
static int merge_samples(struct pprof *pp)
{
	const struct profile *p = pp->p;
	struct hmap index;	/* struct merged (its first 4 words) -> +1 */
	size_t i;
	int err = 0;

	pp->merged = calloc(p->nr_samples + 1, sizeof(*pp->merged));
	if (!pp->merged)
		return -ENOMEM;
	hmap__init(&index, merged_eq);
	for (i = 0; i < p->nr_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		struct merged *m = &pp->merged[pp->nr_merged];
		unsigned long v;
		__u64 h;

		m->stack = s->stack;
		m->thread = s->thread;
		m->cpu = s->cpu;
		m->event = s->event;
		h = hash_bytes(m, 4 * sizeof(__u32), 0);
		v = (unsigned long)hmap__find(&index, h, m);
		if (v) {
			m = &pp->merged[v - 1];
		} else {
			pp->nr_merged++;
			if (hmap__insert(&index, h, m,
					 (void *)(unsigned long)pp->nr_merged)) {
				err = -ENOMEM;
				break;
			}
		}
		m->count = sat_add_u64(m->count, s->count);
		m->value = sat_add_u64(m->value, profile__sample_ns(p, s));
	}
	hmap__free(&index);
	return err;
}

static bool is_pseudo(const struct profile_mapping *m)
{
	return !m->start && !m->limit;
}

/*
 * A file the main binary may be: mapped, not the kernel's, not the vDSO
 * or another "[name]" the kernel gives memory without a file.
 */
static bool is_binary(const struct profile *p, const struct profile_mapping *m)
{
	const char *path = profile__str(p, m->path);

	return !is_pseudo(m) && !m->kernel && path[0] && path[0] != '[';
}

static const char *file_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* "NAME.so" or "NAME.so.VERSION": a library, hardly the main binary. */
static bool is_shared_object(const char *path)
{
	const char *so = strstr(file_name(path), ".so");

	return so && (!so[3] || so[3] == '.');
}

#define COMM_MAX	15	/* TASK_COMM_LEN less its NUL */

/*
 * Whether a task named @comm runs the file at @path: exec names a task
 * after its file's basename, cut to COMM_MAX bytes.  Exec'ed through a
 * link without a version (python3 to python3.11), it maps the versioned
 * file; a file replaced since it was mapped is "PATH (deleted)".  A task
 * renamed since (prctl(PR_SET_NAME)) names nothing.
 */
static bool comm_names(const char *comm, const char *path)
{
	const char *base = file_name(path);
	size_t len = strlen(comm);

	if (!len || strncmp(base, comm, len))
		return false;
	if (!base[len] || len == COMM_MAX ||
	    !strcmp(base + len, " (deleted)"))
		return true;
	return base[len] == '.' && base[len + 1] >= '0' &&
	       base[len + 1] <= '9' && !is_shared_object(base);
}

/* What the samples say of a mapping, for choosing the main binary. */
struct binary_score {
	__u64 own;	/* samples of tasks named after it, through it */
	__u64 all;	/* samples through it */
	size_t seen;	/* the last merged sample through it, + 1 */
};

static bool better_binary(const struct profile *p,
			  const struct binary_score *a, __u32 ma,
			  const struct binary_score *b, __u32 mb)
{
	bool lib_a, lib_b;

	if (a->own != b->own)
		return a->own > b->own;
	lib_a = is_shared_object(profile__str(p, p->mappings[ma].path));
	lib_b = is_shared_object(profile__str(p, p->mappings[mb].path));
	if (lib_a != lib_b)
		return lib_b;
	return a->all > b->all;
}

/*
 * pprof takes the first mapping for the main binary (go tool pprof's
 * "File:" and "Build ID:").  The model does not say which file a process
 * executed, and first met is often ld.so, or the recorder's own child
 * before it exec'ed the command.  The choice is the file, among those
 * samples ran through, that the tasks named after it ran the most
 * samples through: the program that ran the most.  With no task named
 * after any (a script run by its interpreter), the file most samples
 * ran through, a library only when nothing else ran.  Ties go to the
 * file met first.  *@binary is the model's mapping, -1 when no sample
 * ran through a file.
 */
static int find_main_binary(struct pprof *pp, long *binary)
{
	const struct profile *p = pp->p;
	struct binary_score *score;
	size_t i;
	__u32 j, m;

	*binary = -1;
	score = calloc(p->nr_mappings + 1, sizeof(*score));
	if (!score)
		return -ENOMEM;
	for (i = 0; i < pp->nr_merged; i++) {
		const struct merged *ms = &pp->merged[i];
		const struct profile_stack *st = &p->stacks[ms->stack];
		const char *comm = profile__str(p, p->threads[ms->thread].comm);

		for (j = 0; j < st->nr; j++) {
			m = p->locations[st->locs[j]].mapping;
			if (score[m].seen == i + 1 ||
			    !is_binary(p, &p->mappings[m]))
				continue;
			score[m].seen = i + 1;
			score[m].all = sat_add_u64(score[m].all, ms->count);
			if (comm_names(comm, profile__str(p, p->mappings[m].path)))
				score[m].own = sat_add_u64(score[m].own,
							   ms->count);
		}
	}
	for (m = 0; m < p->nr_mappings; m++)
		if (score[m].all &&
		    (*binary < 0 || better_binary(p, &score[m], m,
						  &score[*binary], *binary)))
			*binary = m;
	free(score);
	return 0;
}

static void fill_tables(struct pprof *pp)
{
	const struct profile *p = pp->p;
	Perftools__Profiles__Profile *msg = &pp->msg;
	__u32 next = 0, pass, i, j;
	size_t nr_lines;

	/*
	 * The main binary first, then the other files in the order met,
	 * then the pseudo mappings; locations follow the new ids.
	 */
	if (pp->binary >= 0)
		pp->mapping_id[pp->binary] = ++next;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < p->nr_mappings; i++)
			if (i != pp->binary &&
			    (pass == 0) == !is_pseudo(&p->mappings[i]))
				pp->mapping_id[i] = ++next;
	for (i = 0; i < p->nr_mappings; i++) {
		const struct profile_mapping *pm = &p->mappings[i];
		Perftools__Profiles__Mapping *m;

		m = &pp->mappings[pp->mapping_id[i] - 1];
		perftools__profiles__mapping__init(m);
		m->id = pp->mapping_id[i];
		m->memory_start = pm->start;
		/* A pseudo mapping spans the addresses it stands for: all. */
		m->memory_limit = is_pseudo(pm) ? UINT64_MAX : pm->limit;
		m->file_offset = pm->offset;
		m->filename = pm->path;
		m->build_id = pm->build_id;
		m->has_functions = true;
		msg->mapping[m->id - 1] = m;
	}
	for (i = 0; i < p->nr_functions; i++) {
		const struct profile_function *pf = &p->functions[i];
		Perftools__Profiles__Function *f = &pp->functions[i];

		perftools__profiles__function__init(f);
		f->id = i + 1;
		f->name = pf->name;
		f->system_name = pf->system_name;
		f->filename = pf->filename;
		msg->function[i] = f;
	}
	/* Inlined callees first, the caller last (profile.proto's order). */
	for (i = 0, nr_lines = 0; i < p->nr_locations; i++) {
		const struct profile_location *pl = &p->locations[i];
		Perftools__Profiles__Location *l = &pp->locations[i];
		Perftools__Profiles__Line *line;

		perftools__profiles__location__init(l);
		l->id = i + 1;
		l->mapping_id = pp->mapping_id[pl->mapping];
		l->address = pl->address;
		l->line = &pp->line_ptrs[nr_lines];
		l->n_line = pl->nr_inlined + 1;
		for (j = 0; j < l->n_line; j++) {
			const struct profile_line *ml =
				j < pl->nr_inlined ?
				&p->lines[pl->inlined + j] : NULL;

			line = &pp->lines[nr_lines];
			perftools__profiles__line__init(line);
			line->function_id = (ml ? ml->function
						: pl->function) + 1;
			line->line = ml ? ml->line : pl->line;
			pp->line_ptrs[nr_lines++] = line;
		}
		msg->location[i] = l;
	}
}

/*
 * Samples: their location ids (leaf first, as in the model), values and
 * labels, from arrays cut in the order the merged samples come.
 */
static void fill_samples(struct pprof *pp, Perftools__Profiles__Sample **ptrs,
			 Perftools__Profiles__Label **label_ptrs)
{
	const struct profile *p = pp->p;
	uint64_t *ids = pp->location_ids;
	size_t i;
	__u32 j;

	/* Labels are shared: one set per thread, one per CPU. */
	for (i = 0; i < p->nr_threads; i++) {
		Perftools__Profiles__Label *l = &pp->labels[3 * i];

		for (j = 0; j < 3; j++)
			perftools__profiles__label__init(&l[j]);
		l[0].key = pp->extra[EXTRA_PID];
		l[0].num = p->threads[i].pid;
		l[0].num_unit = l[0].key;
		l[1].key = pp->extra[EXTRA_TID];
		l[1].num = p->threads[i].tid;
		l[1].num_unit = l[1].key;
		l[2].key = pp->extra[EXTRA_COMM];
		l[2].str = p->threads[i].comm;
	}
	for (i = 0; i < pp->nr_merged; i++) {
		const struct merged *m = &pp->merged[i];
		const struct profile_stack *st = &p->stacks[m->stack];
		Perftools__Profiles__Sample *s = &pp->samples[i];
		Perftools__Profiles__Label **l = &label_ptrs[i * NR_LABELS];

		perftools__profiles__sample__init(s);
		for (j = 0; j < st->nr; j++)
			ids[j] = st->locs[j] + 1;
		s->n_location_id = st->nr;
		s->location_id = ids;
		ids += st->nr;
		s->n_value = pp->nr_types;
		s->value = &pp->values[(size_t)pp->nr_types * i];
		s->value[0] = m->count;
		/* The timer's under cpu/nanoseconds, counter i's after it. */
		if (1 + m->event < pp->nr_types)
			s->value[1 + m->event] = m->value;
		l[0] = &pp->labels[3 * m->thread];
		l[1] = &pp->labels[3 * m->thread + 1];
		l[2] = &pp->cpu_labels[pp->cpu_label_of[i]];
		l[3] = &pp->labels[3 * m->thread + 2];
		s->n_label = l[3]->str ? NR_LABELS : NR_LABELS - 1;
		s->label = l;
		ptrs[i] = s;
	}
}

/*
 * One "cpu" label per distinct CPU number: the numbers come from the
 * file, so they index nothing here.
 */
static int cpu_labels(struct pprof *pp)
{
	struct hmap index;	/* CPU + 1 -> label index + 1 */
	__u32 nr = 0;
	size_t i;
	int err = 0;

	hmap__init(&index, NULL);
	for (i = 0; i < pp->nr_merged && !err; i++) {
		__u64 key = (__u64)pp->merged[i].cpu + 1;
		unsigned long v = (unsigned long)hmap__find(&index,
							    hash_u64(key),
							    (void *)key);

		if (!v) {
			Perftools__Profiles__Label *l = &pp->cpu_labels[nr];

			perftools__profiles__label__init(l);
			l->key = pp->extra[EXTRA_CPU];
			l->num = pp->merged[i].cpu;
			l->num_unit = l->key;
			v = ++nr;
			if (hmap__insert(&index, hash_u64(key), (void *)key,
					 (void *)v))
				err = -ENOMEM;
		}
		pp->cpu_label_of[i] = v - 1;
	}
	hmap__free(&index);
	return err;
}

/* @len bytes of @data to @out as one gzip member. */
static int write_gzip(const void *data, size_t len, FILE *out)
{
	unsigned char buf[65536];
	z_stream z;
	int zerr, err = 0;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer around the deflate stream. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)data;
	z.avail_in = len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		zerr = deflate(&z, Z_FINISH);
		if (zerr == Z_STREAM_ERROR) {
			err = -EIO;
			break;
		}
		if (fwrite(buf, 1, sizeof(buf) - z.avail_out, out) !=
		    sizeof(buf) - z.avail_out) {
			err = errno ? -errno : -EIO;
			break;
		}
	} while (zerr != Z_STREAM_END);
	deflateEnd(&z);
	if (!err && fflush(out))
		err = errno ? -errno : -EIO;
	return err;
}

static int pack_and_write(struct pprof *pp, FILE *out)
{
	size_t size = perftools__profiles__profile__get_packed_size(&pp->msg);
	uint8_t *buf = malloc(size + 1);
	int err;

	if (!buf)
		return -ENOMEM;
	perftools__profiles__profile__pack(&pp->msg, buf);
	errno = 0;
	err = write_gzip(buf, size, out);
	free(buf);
	return err;
}

int pprof__write(const struct profile *p, FILE *out)
{
	Perftools__Profiles__Profile *msg;
	Perftools__Profiles__Sample **sample_ptrs = NULL;
	Perftools__Profiles__Label **label_ptrs = NULL;
	struct pprof pp = { .p = p };
	size_t nr_ids = 0, i;
	char **strings = NULL;
	int err;

	msg = &pp.msg;
	perftools__profiles__profile__init(msg);
	err = merge_samples(&pp);
	if (err)
		goto out_free;
	for (i = 0; i < pp.nr_merged; i++)
		nr_ids += p->stacks[pp.merged[i].stack].nr;
	/* The model's strings, then the extra ones: ids stay the model's. */
	strings = calloc(p->nr_strings + NR_EXTRA, sizeof(*strings));
	pp.mappings = calloc(p->nr_mappings + 1, sizeof(*pp.mappings));
	pp.mapping_id = calloc(p->nr_mappings + 1, sizeof(*pp.mapping_id));
	pp.functions = calloc(p->nr_functions + 1, sizeof(*pp.functions));
	pp.locations = calloc(p->nr_locations + 1, sizeof(*pp.locations));
	pp.lines = calloc(p->nr_locations + p->nr_lines + 1,
			  sizeof(*pp.lines));
	pp.line_ptrs = calloc(p->nr_locations + p->nr_lines + 1,
			      sizeof(*pp.line_ptrs));
	pp.samples = calloc(pp.nr_merged + 1, sizeof(*pp.samples));
	pp.labels = calloc(3 * p->nr_threads + 1, sizeof(*pp.labels));
	pp.cpu_labels = calloc(pp.nr_merged + 1, sizeof(*pp.cpu_labels));
	pp.cpu_label_of = calloc(pp.nr_merged + 1,
				 sizeof(*pp.cpu_label_of));
	pp.nr_types = 2 + min_t(__u32, p->nr_events ? p->nr_events - 1 : 0,
				SONDE_MAX_EVENTS);
	pp.values = calloc((size_t)pp.nr_types * pp.nr_merged + 1,
			   sizeof(*pp.values));
	pp.location_ids = calloc(nr_ids + 1, sizeof(*pp.location_ids));
	sample_ptrs = calloc(pp.nr_merged + 1, sizeof(*sample_ptrs));
	label_ptrs = calloc(NR_LABELS * pp.nr_merged + 1,
			    sizeof(*label_ptrs));
	msg->mapping = calloc(p->nr_mappings + 1, sizeof(*msg->mapping));
	msg->function = calloc(p->nr_functions + 1, sizeof(*msg->function));
	msg->location = calloc(p->nr_locations + 1, sizeof(*msg->location));
	if (!strings || !pp.mappings || !pp.mapping_id || !pp.functions || !pp.locations ||
	    !pp.lines || !pp.line_ptrs || !pp.samples || !pp.labels ||
	    !pp.cpu_labels || !pp.cpu_label_of || !pp.values ||
	    !pp.location_ids || !sample_ptrs || !label_ptrs ||
	    !msg->mapping || !msg->function || !msg->location) {
		err = -ENOMEM;
		goto out_free;
	}
	/*
	 * proto3 strings must be UTF-8 (protoc refuses them otherwise):
	 * names that are not get a repaired copy (lib/utf8.h).
	 */
	for (i = 0; i < p->nr_strings; i++) {
		strings[i] = (char *)p->strings[i];
		if (!utf8__valid(strings[i]))
			strings[i] = utf8__repair(strings[i]);
		if (!strings[i]) {
			err = -ENOMEM;
			goto out_free;
		}
	}
	for (i = 0; i < NR_EXTRA; i++) {
		strings[p->nr_strings + i] = (char *)extra_strings[i];
		pp.extra[i] = p->nr_strings + i;
	}
	msg->n_string_table = p->nr_strings + NR_EXTRA;
	msg->string_table = strings;
	for (i = 0; i <= pp.nr_types; i++)
		perftools__profiles__value_type__init(&pp.types[i]);
	pp.types[0].type = pp.extra[EXTRA_SAMPLES];
	pp.types[0].unit = pp.extra[EXTRA_COUNT];
	pp.types[1].type = pp.extra[EXTRA_CPU];
	pp.types[1].unit = pp.extra[EXTRA_NANOSECONDS];
	for (i = 2; i < pp.nr_types; i++) {
		pp.types[i].type = p->events[i - 1].name;
		pp.types[i].unit = pp.extra[p->events[i - 1].nsec ?
					    EXTRA_NANOSECONDS : EXTRA_COUNT];
	}
	pp.types[pp.nr_types] = pp.types[1];
	for (i = 0; i < pp.nr_types; i++)
		pp.type_ptrs[i] = &pp.types[i];
	msg->n_sample_type = pp.nr_types;
	msg->sample_type = pp.type_ptrs;
	msg->period_type = &pp.types[pp.nr_types];
	msg->period = p->period_ns;
	msg->time_nanos = p->start_real_ns;
	msg->duration_nanos = p->duration_ns;
	/* What pprof shows first: the timer's time, else the first counter. */
	msg->default_sample_type = pp.extra[EXTRA_CPU];
	for (i = 0; i < pp.nr_merged && pp.merged[i].event; i++)
		;
	if (pp.nr_merged && i == pp.nr_merged && pp.nr_types > 2)
		msg->default_sample_type = pp.types[2].type;
	msg->n_mapping = p->nr_mappings;
	msg->n_function = p->nr_functions;
	msg->n_location = p->nr_locations;
	err = find_main_binary(&pp, &pp.binary);
	if (err)
		goto out_free;
	fill_tables(&pp);
	err = cpu_labels(&pp);
	if (err)
		goto out_free;
	msg->n_sample = pp.nr_merged;
	msg->sample = sample_ptrs;
	fill_samples(&pp, sample_ptrs, label_ptrs);
	err = pack_and_write(&pp, out);
out_free:
	for (i = 0; strings && i < p->nr_strings; i++)
		if (strings[i] != p->strings[i])
			free(strings[i]);
	free(strings);
	free(pp.mappings);
	free(pp.mapping_id);
	free(pp.functions);
	free(pp.locations);
	free(pp.lines);
	free(pp.line_ptrs);
	free(pp.samples);
	free(pp.labels);
	free(pp.cpu_labels);
	free(pp.cpu_label_of);
	free(pp.values);
	free(pp.location_ids);
	free(pp.merged);
	free(sample_ptrs);
	free(label_ptrs);
	free(msg->mapping);
	free(msg->function);
	free(msg->location);
	return err;
}
