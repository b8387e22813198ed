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
TEST(zero_labels)
{
	static const char *const keys[] = { "pid", "tid", "cpu" };
	struct profile_thread th[ARRAY_SIZE(hp_threads)];
	const Perftools__Profiles__Label *l;
	struct profile p;
	Profile *pb;
	size_t i, k, zeros = 0;

	memcpy(th, hp_threads, sizeof(th));
	th[0].pid = th[0].tid = 0;
	hand_profile(&p);
	p.threads = th;
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
