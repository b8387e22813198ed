// SPDX-License-Identifier: GPL-2.0
/*
 * pprof's validity rules applied to the pprof export (export/pprof.c),
 * decoded again with protobuf-c: what pprof's own reader checks
 * (github.com/google/pprof/profile: CheckValid) and what protoc's
 * decoder demands of proto3 strings.
 *
 *   - string 0 is "", every string index is in the table, every string
 *     is well-formed UTF-8 (proto3 `string`);
 *   - no mapping, function or location has id 0, none twice;
 *   - every referenced id exists: a location's mapping (0: none), its
 *     lines' functions, a sample's locations;
 *   - one value per sample type, and at least one sample type;
 *   - a label has a key, and a string or a number, not both;
 *   - a label has a string, a nonzero number or a unit: pprof's reader
 *     (profile/encode.go) drops one with none, which is how a number 0
 *     (proto3 leaves it out) would be lost.
 *
 * Exported: the hand-built profile of hand-profile.h (names with ;
 * spaces, newlines, quotes, <&>, control characters, ill-formed UTF-8,
 * kernel, module and JIT frames, inline frames), an empty profile, one
 * sample, the idle task on CPU 0 (labels whose numbers are all 0), and
 * the regression recording through `sonde export -f pprof`.
 * tests/user/protoc-decode runs protoc itself on the last one.
 */
#include <zlib.h>

#include "kselftest_harness.h"

#include "export/pprof.h"
#include "hand-profile.h"
#include "helpers.h"
#include "lib/hmap.h"
#include "lib/utf8.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile Profile;

static long gunzip(const void *in, size_t len, unsigned char **out)
{
	size_t cap = 64 << 20;
	z_stream z;
	int ret;

	memset(&z, 0, sizeof(z));
	*out = malloc(cap);
	if (!*out || inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	z.next_out = *out;
	z.avail_out = cap;
	ret = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	return ret == Z_STREAM_END ? (long)z.total_out : -1;
}

#define RULE(cond, ...)							\
	do {								\
		if (!(cond)) {						\
			TH_LOG(__VA_ARGS__);				\
			bad++;						\
		}							\
	} while (0)

#define STR_OK(i) ((i) >= 0 && (uint64_t)(i) < pb->n_string_table)

/* Ids of one kind: each nonzero and unique; returns the violations. */
static int ids_unique(struct __test_metadata *_metadata, struct hmap *set,
		      uint64_t id, const char *what)
{
	int bad = 0;

	RULE(id != 0, "%s with id 0", what);
	if (!id)
		return bad;
	RULE(!hmap__find(set, hash_u64(id), (void *)(uintptr_t)id),
	     "%s id %llu twice", what, (unsigned long long)id);
	if (!bad && hmap__insert(set, hash_u64(id), (void *)(uintptr_t)id,
				 (void *)1))
		bad++;
	return bad;
}

static bool has(const struct hmap *set, uint64_t id)
{
	return id && hmap__find(set, hash_u64(id), (void *)(uintptr_t)id);
}

/* The number of rules @pb breaks, each logged. */
static int pprof_check(struct __test_metadata *_metadata, const Profile *pb)
{
	struct hmap maps, fns, locs;
	size_t i, j;
	int bad = 0;

	hmap__init(&maps, NULL);
	hmap__init(&fns, NULL);
	hmap__init(&locs, NULL);
	RULE(pb->n_string_table >= 1 && !strcmp(pb->string_table[0], ""),
	     "string 0 is not empty");
	for (i = 0; i < pb->n_string_table; i++)
		RULE(utf8__valid(pb->string_table[i]),
		     "string %zu is not UTF-8", i);
	RULE(pb->n_sample_type >= 1, "no sample type");
	for (i = 0; i < pb->n_sample_type; i++)
		RULE(STR_OK(pb->sample_type[i]->type) &&
		     STR_OK(pb->sample_type[i]->unit),
		     "sample type %zu: bad string", i);
	if (pb->period_type)
		RULE(STR_OK(pb->period_type->type) &&
		     STR_OK(pb->period_type->unit), "period type: bad string");
	RULE(STR_OK(pb->drop_frames) && STR_OK(pb->keep_frames) &&
	     STR_OK(pb->default_sample_type), "profile: bad string");
	for (i = 0; i < pb->n_comment; i++)
		RULE(STR_OK(pb->comment[i]), "comment %zu: bad string", i);
	for (i = 0; i < pb->n_mapping; i++) {
		const Perftools__Profiles__Mapping *m = pb->mapping[i];

		bad += ids_unique(_metadata, &maps, m->id, "mapping");
		RULE(STR_OK(m->filename) && STR_OK(m->build_id),
		     "mapping %llu: bad string", (unsigned long long)m->id);
		RULE(m->memory_start <= m->memory_limit,
		     "mapping %llu: start above limit",
		     (unsigned long long)m->id);
	}
	for (i = 0; i < pb->n_function; i++) {
		const Perftools__Profiles__Function *f = pb->function[i];

		bad += ids_unique(_metadata, &fns, f->id, "function");
		RULE(STR_OK(f->name) && STR_OK(f->system_name) &&
		     STR_OK(f->filename), "function %llu: bad string",
		     (unsigned long long)f->id);
	}
	for (i = 0; i < pb->n_location; i++) {
		const Perftools__Profiles__Location *l = pb->location[i];

		bad += ids_unique(_metadata, &locs, l->id, "location");
		RULE(!l->mapping_id || has(&maps, l->mapping_id),
		     "location %llu: no mapping %llu",
		     (unsigned long long)l->id,
		     (unsigned long long)l->mapping_id);
		for (j = 0; j < l->n_line; j++)
			RULE(has(&fns, l->line[j]->function_id),
			     "location %llu: no function %llu",
			     (unsigned long long)l->id,
			     (unsigned long long)l->line[j]->function_id);
	}
	for (i = 0; i < pb->n_sample; i++) {
		const Perftools__Profiles__Sample *s = pb->sample[i];

		RULE(s->n_value == pb->n_sample_type,
		     "sample %zu: %zu values for %zu types", i, s->n_value,
		     pb->n_sample_type);
		for (j = 0; j < s->n_location_id; j++)
			RULE(has(&locs, s->location_id[j]),
			     "sample %zu: no location %llu", i,
			     (unsigned long long)s->location_id[j]);
		for (j = 0; j < s->n_label; j++) {
			const Perftools__Profiles__Label *l = s->label[j];

			RULE(l->key > 0 && STR_OK(l->key) && STR_OK(l->str) &&
			     STR_OK(l->num_unit), "sample %zu label %zu: bad string",
			     i, j);
			RULE(!(l->str && l->num), "sample %zu label %zu: both",
			     i, j);
			RULE(l->str || l->num || l->num_unit,
			     "sample %zu label %zu (%s): pprof drops it", i, j,
			     STR_OK(l->key) ? pb->string_table[l->key] : "?");
		}
	}
	hmap__free(&maps);
	hmap__free(&fns);
	hmap__free(&locs);
	return bad;
}

/* @p through pprof__write() and back; NULL when it does not decode. */
static Profile *round_trip(struct __test_metadata *_metadata,
			   const struct profile *p)
{
	unsigned char *raw = NULL;
	char *gz = NULL;
	size_t gz_len = 0;
	Profile *pb;
	FILE *out;
	long n;

	out = open_memstream(&gz, &gz_len);
	if (!out)
		return NULL;
	EXPECT_EQ(0, pprof__write(p, out));
	fclose(out);
	n = gunzip(gz, gz_len, &raw);
	pb = n >= 0 ? perftools__profiles__profile__unpack(NULL, n, raw)
		    : NULL;
	free(raw);
	free(gz);
	return pb;
}

static const char *find_function(const Profile *pb, const char *name)
{
	size_t i;

	for (i = 0; i < pb->n_function; i++)
		if (!strcmp(pb->string_table[pb->function[i]->name], name))
			return name;
	return NULL;
}

TEST(hand_built)
{
	struct profile p;
	Profile *pb;
	int64_t total = 0;
	size_t i;

	hand_profile(&p);
	pb = round_trip(_metadata, &p);
	ASSERT_NE(NULL, pb);
	EXPECT_EQ(0, pprof_check(_metadata, pb));
	for (i = 0; i < pb->n_sample; i++)
		total += pb->sample[i]->value[0];
	EXPECT_EQ(7, total);
	/* Names keep their text; what is not UTF-8 is repaired. */
	EXPECT_NE(NULL, find_function(pb, "bad\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd"));
	EXPECT_NE(NULL, find_function(pb, "a;b c\nd\"e'f<g&h>i"));
	EXPECT_NE(NULL, find_function(pb, "jitted<fn>"));
	EXPECT_NE(NULL, find_function(pb, "h\xc3\xa9llo"));
	/* main's location: main last, the inlined functions before it. */
	for (i = 0; i < pb->n_location; i++)
		if (pb->location[i]->n_line == 3)
			break;
	ASSERT_GT(pb->n_location, i);
	perftools__profiles__profile__free_unpacked(pb, NULL);
}

TEST(empty_profile)
{
	struct profile p = { .strings = hp_strings, .nr_strings = 1 };
	Profile *pb = round_trip(_metadata, &p);

	ASSERT_NE(NULL, pb);
	EXPECT_EQ(0, pprof_check(_metadata, pb));
	EXPECT_EQ(0, pb->n_sample);
	perftools__profiles__profile__free_unpacked(pb, NULL);
}

TEST(one_sample)
{
	struct profile p;
	Profile *pb;

	hand_profile(&p);
	p.samples = &hp_samples[1];
	p.nr_samples = 1;
	pb = round_trip(_metadata, &p);
	ASSERT_NE(NULL, pb);
	EXPECT_EQ(0, pprof_check(_metadata, pb));
	ASSERT_EQ(1, pb->n_sample);
	EXPECT_EQ(3, pb->sample[0]->value[0]);
	ASSERT_EQ(1, pb->sample[0]->n_location_id);
	perftools__profiles__profile__free_unpacked(pb, NULL);
}

/* The label @key of @s, NULL when it has none or more than one. */
static Perftools__Profiles__Label *
label_of(const Profile *pb, const Perftools__Profiles__Sample *s,
	 const char *key)
{
	Perftools__Profiles__Label *found = NULL;
	size_t i;

	for (i = 0; i < s->n_label; i++) {
		if (strcmp(pb->string_table[s->label[i]->key], key))
			continue;
		if (found)
			return NULL;
		found = s->label[i];
	}
	return found;
}

/*
 * The idle task (pid and tid 0) on CPU 0: every number 0, which proto3
 * leaves out, so each numeric label must keep its unit (its own key)
 * for pprof to keep it.  The unnamed process has no comm label: pprof
 * would drop one with the empty string.
 */
static void idle_profile(struct profile *p,
			 struct profile_thread th[ARRAY_SIZE(hp_threads)])
{
	memcpy(th, hp_threads, sizeof(hp_threads));
	th[0].pid = th[0].tid = 0;
	hand_profile(p);
	p->threads = th;
}

TEST(zero_labels)
{
	static const char *const keys[] = { "pid", "tid", "cpu" };
	struct profile_thread th[ARRAY_SIZE(hp_threads)];
	const Perftools__Profiles__Label *l;
	struct profile p;
	Profile *pb;
	size_t i, k, zeros = 0;

	idle_profile(&p, th);
	pb = round_trip(_metadata, &p);
	ASSERT_NE(NULL, pb);
	EXPECT_EQ(0, pprof_check(_metadata, pb));
	ASSERT_EQ(4, pb->n_sample);
	for (i = 0; i < pb->n_sample; i++) {
		const Perftools__Profiles__Sample *s = pb->sample[i];

		for (k = 0; k < ARRAY_SIZE(keys); k++) {
			l = label_of(pb, s, keys[k]);
			ASSERT_NE(NULL, l) TH_LOG("sample %zu: no %s", i, keys[k]);
			EXPECT_STREQ(keys[k], pb->string_table[l->num_unit]);
			zeros += !l->num;
		}
		/* Samples in first-seen order: thread 2 is the third's. */
		EXPECT_EQ(i != 2, label_of(pb, s, "comm") != NULL);
	}
	/* pid, tid and cpu of the first sample; the cpu of the third. */
	EXPECT_EQ(4, zeros);
	perftools__profiles__profile__free_unpacked(pb, NULL);
}

/* @cmd's standard output, NULL when it fails. */
static char *command_output(const char *cmd)
{
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f;

	f = popen(cmd, "r");
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf__append(&b, chunk, n);
	buf__append(&b, "", 1);
	if (pclose(f)) {
		buf__free(&b);
		return NULL;
	}
	return b.data;
}

/*
 * The idle task's labels as pprof's own readers show them: go tool
 * pprof's -tags lists pid, tid and cpu 0 among the values, and protoc
 * decodes labels whose num (0) is left out but whose unit is there.
 * Each skipped where its tool is not installed.
 */
TEST(zero_labels_readers)
{
	struct profile_thread th[ARRAY_SIZE(hp_threads)];
	char *dir = make_tmpdir(), path[320], cmd[2048], *out;
	struct profile p;
	bool ran = false;
	FILE *f;

	ASSERT_NE(NULL, dir);
	idle_profile(&p, th);
	snprintf(path, sizeof(path), "%s/p.pb.gz", dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, pprof__write(&p, f));
	ASSERT_EQ(0, fclose(f));
	if (!system("command -v go >/dev/null")) {
		/* Each key's values, as "key:value" lines. */
		snprintf(cmd, sizeof(cmd),
			 "HOME=%s GOCACHE=%s/gocache GOFLAGS='' "
			 "go tool pprof -tags %s 2>/dev/null | "
			 "awk '/^ [a-z]+: Total/ { k = $1; next }"
			 " NF { print k $NF }'", dir, dir, path);
		out = command_output(cmd);
		ASSERT_NE(NULL, out);
		EXPECT_NE(NULL, strstr(out, "pid:0\n")) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "tid:0\n")) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "cpu:0\n")) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "pid:100\n")) TH_LOG("%s", out);
		free(out);
		ran = true;
	}
	/* The profile.proto the build generated export/pprof.c from. */
	if (!system("command -v protoc >/dev/null && test -r " PROFILE_PROTO)) {
		/* A label with a key and a unit, but no number: 0. */
		snprintf(cmd, sizeof(cmd),
			 "gzip -dc %s | protoc --decode=perftools.profiles.Profile"
			 " -I $(dirname " PROFILE_PROTO ") profile.proto | "
			 "awk '/^  label \\{/ { k = u = n = 0 }"
			 " /^    key:/ { k = $2 } /^    num:/ { n = 1 }"
			 " /^    num_unit:/ { u = $2 }"
			 " /^  \\}/ && k && u == k && !n { z++ }"
			 " END { print z + 0 }'", path);
		out = command_output(cmd);
		ASSERT_NE(NULL, out);
		/* pid, tid, cpu of the first sample, cpu of the third */
		EXPECT_STREQ("4\n", out);
		free(out);
		ran = true;
	}
	remove_tree(dir);
	free(dir);
	if (!ran)
		SKIP(return, "neither go nor protoc is installed");
}

/*
 * The main binary (pprof's first mapping) among ld.so, libc, the kernel,
 * the vDSO, a program and an interpreter, each a function at a location
 * of its own.  Stacks (leaf first) as each case samples them.
 */
enum {
	MB_EMPTY, MB_LDSO, MB_LIBC, MB_KERNEL, MB_VDSO, MB_APP, MB_PY,
	MB_SONDE, MB_APPCOMM, MB_PYCOMM, MB_OTHER, NR_MB_STR
};
static const char *mb_strings[NR_MB_STR] = {
	[MB_EMPTY] = "",
	[MB_LDSO] = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
	[MB_LIBC] = "/usr/lib/x86_64-linux-gnu/libc.so.6",
	[MB_KERNEL] = "[kernel.kallsyms]",
	[MB_VDSO] = "[vdso]",
	[MB_APP] = "/opt/app/bin/application-server",
	[MB_PY] = "/usr/bin/python3.11",
	[MB_SONDE] = "sonde",
	/* exec cuts a name to 15 bytes */
	[MB_APPCOMM] = "application-ser",
	[MB_PYCOMM] = "python3",
	[MB_OTHER] = "run.sh",
};
enum { MM_LDSO, MM_LIBC, MM_KERNEL, MM_VDSO, MM_APP, MM_PY, NR_MM };
static struct profile_mapping mb_mappings[NR_MM] = {
	[MM_LDSO] = { 0x7f0000001000, 0x7f0000030000, 0x1000, MB_LDSO },
	[MM_LIBC] = { 0x7f0000100000, 0x7f0000200000, 0x26000, MB_LIBC },
	[MM_KERNEL] = { 0, 0, 0, MB_KERNEL, 0, true },
	[MM_VDSO] = { 0x7fff00000000, 0x7fff00002000, 0, MB_VDSO },
	[MM_APP] = { 0x555500001000, 0x555500002000, 0x1000, MB_APP },
	[MM_PY] = { 0x555600001000, 0x555600300000, 0x1000, MB_PY },
};
static struct profile_function mb_functions[NR_MM];
static struct profile_location mb_locations[NR_MM];
static const __u32 mb_ldso[] = { MM_LDSO };
static const __u32 mb_libc[] = { MM_LIBC };
static const __u32 mb_app[] = { MM_LIBC, MM_APP };
static const __u32 mb_deep[] = { MM_KERNEL, MM_VDSO, MM_LIBC, MM_APP };
static const __u32 mb_py[] = { MM_LIBC, MM_PY };
static const __u32 mb_kernel[] = { MM_KERNEL };
enum { MS_LDSO, MS_LIBC, MS_APP, MS_DEEP, MS_PY, MS_KERNEL };
static struct profile_stack mb_stacks[] = {
	[MS_LDSO] = { mb_ldso, 1, 0 }, [MS_LIBC] = { mb_libc, 1, 0 },
	[MS_APP] = { mb_app, 2, 0 }, [MS_DEEP] = { mb_deep, 4, 0 },
	[MS_PY] = { mb_py, 2, 0 }, [MS_KERNEL] = { mb_kernel, 1, 0 },
};
/* The recorder's child before its exec, then the programs. */
enum { MT_SONDE, MT_APP, MT_PY, MT_SCRIPT };
static struct profile_thread mb_threads[] = {
	[MT_SONDE] = { 7, 7, MB_SONDE, 0, 0 },
	[MT_APP] = { 7, 7, MB_APPCOMM, 1, 0 },
	[MT_PY] = { 9, 9, MB_PYCOMM, 2, 0 },
	[MT_SCRIPT] = { 11, 11, MB_OTHER, 3, 0 },
};
static struct profile_process mb_processes[] = {
	{ 7, MB_SONDE }, { 7, MB_APPCOMM }, { 9, MB_PYCOMM }, { 11, MB_OTHER },
};

/*
 * The model, its samples @nr of @samples; the first mapping pprof__write
 * gives, NULL when it does not decode or fails the checks.  Every
 * location must still name its own mapping's file, whatever the ids.
 */
static char *first_mapping(struct __test_metadata *_metadata,
			 const struct profile_sample *samples, size_t nr)
{
	struct profile p = {
		.strings = mb_strings, .nr_strings = NR_MB_STR,
		.mappings = mb_mappings, .nr_mappings = NR_MM,
		.functions = mb_functions, .nr_functions = NR_MM,
		.locations = mb_locations, .nr_locations = NR_MM,
		.stacks = mb_stacks, .nr_stacks = ARRAY_SIZE(mb_stacks),
		.processes = mb_processes,
		.nr_processes = ARRAY_SIZE(mb_processes),
		.threads = mb_threads, .nr_threads = ARRAY_SIZE(mb_threads),
		.samples = (struct profile_sample *)samples, .nr_samples = nr,
		.period_ns = 1000000,
	};
	char *first = NULL;
	Profile *pb;
	size_t i, j;
	__u32 m;

	for (m = 0; m < NR_MM; m++) {
		mb_functions[m] = (struct profile_function){
			.name = mb_mappings[m].path, .dso = mb_mappings[m].path,
			.kernel = mb_mappings[m].kernel };
		mb_locations[m] = (struct profile_location){
			.address = mb_mappings[m].start + 0x10,
			.mapping = m, .function = m,
			.kernel = mb_mappings[m].kernel };
	}
	pb = round_trip(_metadata, &p);
	if (!pb || pprof_check(_metadata, pb) || !pb->n_mapping)
		goto out;
	for (i = 0; i < pb->n_location; i++) {
		const Perftools__Profiles__Location *l = pb->location[i];
		const char *want = mb_strings[mb_mappings[l->id - 1].path];

		for (j = 0; j < pb->n_mapping; j++)
			if (pb->mapping[j]->id == l->mapping_id)
				break;
		if (j == pb->n_mapping ||
		    strcmp(pb->string_table[pb->mapping[j]->filename], want)) {
			TH_LOG("location %zu: not in %s", i, want);
			goto out;
		}
	}
	first = strdup(pb->string_table[pb->mapping[0]->filename]);
out:
	if (pb)
		perftools__profiles__profile__free_unpacked(pb, NULL);
	return first;
}

#define MB_SAMPLE(stack, thread, n) { 0, 1000000, (stack), (thread), 0, (n) }

TEST(main_binary)
{
	/* ld.so met first and sampled most, by the child before its exec */
	static const struct profile_sample program[] = {
		MB_SAMPLE(MS_LDSO, MT_SONDE, 5),
		MB_SAMPLE(MS_LIBC, MT_APP, 4),
		MB_SAMPLE(MS_APP, MT_APP, 2),
		MB_SAMPLE(MS_DEEP, MT_APP, 1),
	};
	/* python3 runs python3.11; the script's samples name no file */
	static const struct profile_sample interpreter[] = {
		MB_SAMPLE(MS_LDSO, MT_SONDE, 5),
		MB_SAMPLE(MS_APP, MT_SCRIPT, 4),
		MB_SAMPLE(MS_PY, MT_PY, 1),
	};
	/* nothing named: the file most sampled, not a library */
	static const struct profile_sample unnamed[] = {
		MB_SAMPLE(MS_LDSO, MT_SCRIPT, 5),
		MB_SAMPLE(MS_LIBC, MT_SCRIPT, 4),
		MB_SAMPLE(MS_APP, MT_SCRIPT, 1),
		MB_SAMPLE(MS_PY, MT_SCRIPT, 2),
	};
	/* libraries only: the one most sampled */
	static const struct profile_sample libraries[] = {
		MB_SAMPLE(MS_LDSO, MT_SCRIPT, 1),
		MB_SAMPLE(MS_LIBC, MT_SCRIPT, 2),
	};
	/* the kernel only: files in the order met, still first */
	static const struct profile_sample kernel[] = {
		MB_SAMPLE(MS_KERNEL, MT_SONDE, 3),
	};
	char *first;

	first = first_mapping(_metadata, program, ARRAY_SIZE(program));
	EXPECT_STREQ(mb_strings[MB_APP], first);
	free(first);
	first = first_mapping(_metadata, interpreter, ARRAY_SIZE(interpreter));
	EXPECT_STREQ(mb_strings[MB_PY], first);
	free(first);
	first = first_mapping(_metadata, unnamed, ARRAY_SIZE(unnamed));
	EXPECT_STREQ(mb_strings[MB_PY], first);
	free(first);
	first = first_mapping(_metadata, libraries, ARRAY_SIZE(libraries));
	EXPECT_STREQ(mb_strings[MB_LIBC], first);
	free(first);
	first = first_mapping(_metadata, kernel, ARRAY_SIZE(kernel));
	EXPECT_STREQ(mb_strings[MB_LDSO], first);
	free(first);
}

/* The checker itself: each rule caught on a profile that breaks it. */
TEST(checker_catches)
{
	Perftools__Profiles__Label *cpu;
	struct profile p;
	Profile *pb;
	uint64_t id;
	char *s0;

	hand_profile(&p);
	pb = round_trip(_metadata, &p);
	ASSERT_NE(NULL, pb);
	ASSERT_EQ(0, pprof_check(_metadata, pb));
	s0 = pb->string_table[0];
	pb->string_table[0] = "x";
	EXPECT_LT(0, pprof_check(_metadata, pb));
	pb->string_table[0] = s0;
	id = pb->function[0]->id;
	pb->function[0]->id = 0;
	EXPECT_LT(0, pprof_check(_metadata, pb));
	pb->function[0]->id = id;
	pb->sample[0]->location_id[0] = 9999;
	EXPECT_LT(0, pprof_check(_metadata, pb));
	pb->sample[0]->location_id[0] = pb->location[0]->id;
	pb->sample[0]->n_value = 1;
	EXPECT_LT(0, pprof_check(_metadata, pb));
	pb->sample[0]->n_value = pb->n_sample_type;
	ASSERT_EQ(0, pprof_check(_metadata, pb));
	/* Sample 0 runs on CPU 0: without its unit, pprof drops the label. */
	cpu = label_of(pb, pb->sample[0], "cpu");
	ASSERT_NE(NULL, cpu);
	id = cpu->num_unit;
	cpu->num_unit = 0;
	EXPECT_LT(0, pprof_check(_metadata, pb));
	cpu->num_unit = id;
	ASSERT_EQ(0, pprof_check(_metadata, pb));
	perftools__profiles__profile__free_unpacked(pb, NULL);
}

/* The regression recording, through the CLI. */
TEST(regress_recording)
{
	char *dir = make_tmpdir(), path[320];
	char *argv[] = { "sonde", "export", "-f", "pprof", "-i", REGRESS_REC,
			 "--symfs", dir, "-o", path, NULL };
	struct buf out = { 0 }, err = { 0 };
	unsigned char *raw = NULL;
	Profile *pb;
	char *gz;
	size_t len;
	long n;

	ASSERT_NE(NULL, dir);
	snprintf(path, sizeof(path), "%s/p.pb.gz", dir);
	ASSERT_EQ(0, run_sonde(argv, NULL, &out, &err)) TH_LOG("%s", err.data);
	ASSERT_EQ(0, read_file(path, &gz, &len));
	n = gunzip(gz, len, &raw);
	ASSERT_LT(0, n);
	pb = perftools__profiles__profile__unpack(NULL, n, raw);
	ASSERT_NE(NULL, pb);
	EXPECT_EQ(0, pprof_check(_metadata, pb));
	EXPECT_LT(0, pb->n_sample);
	perftools__profiles__profile__free_unpacked(pb, NULL);
	free(raw);
	free(gz);
	buf__free(&out);
	buf__free(&err);
	remove_tree(dir);
	free(dir);
}

TEST_HARNESS_MAIN
