// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile recordings through every reader: the kept e2e recording
 * (tests/regress/split-6.12.sonde), mutated by a seeded generator (bytes
 * flipped, fields set to extremes, sections cut), goes through session,
 * symbolizer, profile and every writer.  Each step must return 0 or a
 * negative errno, and every id in the profile must resolve.  The san
 * build (test-san-mutate) turns any memory error into a failure.
 *
 * SONDE_MUTATE_SEED picks the seed (printed, so a failure replays) and
 * SONDE_MUTATE_RUNS the number of mutants (default 40).
 */
#include <time.h>

#include "kselftest_harness.h"

#include "export/folded.h"
#include "export/pprof.h"
#include "export/report.h"
#include "export/script.h"
#include "export/svg.h"
#include "helpers.h"
#include "profile/profile.h"
#include "recording/session.h"
#include "symbolize/symbolizer.h"

static __u64 next_rand(__u64 *s)
{
	/* xorshift64*: deterministic from the seed, enough for mutations. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static int read_all(const char *path, unsigned char **buf, size_t *len)
{
	char *text;
	int err = read_file(path, &text, len);

	*buf = (unsigned char *)text;
	return err;
}

/* Mutate @buf (@len bytes) in place; returns the length to keep. */
static size_t mutate(unsigned char *buf, size_t len, __u64 *seed)
{
	static const __u64 extremes[] = {
		0, 1, 0x7f, 0xff, 0xffff, 0x7fffffff, 0xffffffff,
		0x8000000000000000ULL, ~0ULL,
	};
	unsigned int n = 1 + next_rand(seed) % 8, i;

	for (i = 0; i < n && len > 8; i++) {
		size_t at = next_rand(seed) % (len - 8);
		__u64 v;

		switch (next_rand(seed) % 4) {
		case 0:
			buf[at] ^= 1 << (next_rand(seed) % 8);
			break;
		case 1:
			v = extremes[next_rand(seed) % ARRAY_SIZE(extremes)];
			memcpy(buf + (at & ~(size_t)3), &v, 4);
			break;
		case 2:
			v = extremes[next_rand(seed) % ARRAY_SIZE(extremes)];
			memcpy(buf + (at & ~(size_t)7), &v, 8);
			break;
		default:
			len = at + 8;	/* cut short */
			break;
		}
	}
	return len;
}

/* Every id the profile hands out resolves inside it. */
static void check_ids(struct __test_metadata *_metadata,
		      const struct profile *p)
{
	size_t i;
	__u32 j;

	ASSERT_LT(0, p->nr_strings);
	EXPECT_STREQ("", p->strings[0]);
	for (i = 0; i < p->nr_samples; i++) {
		ASSERT_GT(p->nr_stacks, p->samples[i].stack);
		ASSERT_GT(p->nr_threads, p->samples[i].thread);
	}
	for (i = 0; i < p->nr_stacks; i++)
		for (j = 0; j < p->stacks[i].nr; j++)
			ASSERT_GT(p->nr_locations, p->stacks[i].locs[j]);
	for (i = 0; i < p->nr_locations; i++) {
		ASSERT_GT(p->nr_functions, p->locations[i].function);
		ASSERT_GT(p->nr_mappings, p->locations[i].mapping);
	}
	for (i = 0; i < p->nr_functions; i++) {
		ASSERT_GT(p->nr_strings, p->functions[i].name);
		ASSERT_GT(p->nr_strings, p->functions[i].dso);
	}
	for (i = 0; i < p->nr_mappings; i++)
		ASSERT_GT(p->nr_strings, p->mappings[i].path);
	for (i = 0; i < p->nr_threads; i++) {
		ASSERT_GT(p->nr_strings, p->threads[i].comm);
		ASSERT_GT(p->nr_processes, p->threads[i].process);
	}
}

static void run_writers(struct __test_metadata *_metadata,
			const struct profile *p, const struct session *s)
{
	struct report_opts ro = { .sort = REPORT_SORT_SYM, .children = true };
	struct svg_opts so = { .reverse = true };
	FILE *null = fopen("/dev/null", "w");
	int i;

	ASSERT_NE(NULL, null);
	EXPECT_GE(0, folded__write(p, null));
	EXPECT_GE(0, script__write(p, null));
	EXPECT_GE(0, pprof__write(p, null));
	EXPECT_GE(0, svg__write(p, NULL, null));
	EXPECT_GE(0, svg__write(p, &so, null));
	for (i = 0; i < REPORT_NR_SORTS; i++) {
		ro.sort = i;
		EXPECT_GE(0, report__write(p, s, &ro, null));
	}
	fclose(null);
}

TEST(mutated_recordings)
{
	const char *env_seed = getenv("SONDE_MUTATE_SEED");
	const char *env_runs = getenv("SONDE_MUTATE_RUNS");
	__u64 seed = env_seed ? strtoull(env_seed, NULL, 0) : 0;
	unsigned long runs = env_runs ? strtoul(env_runs, NULL, 0) : 40;
	unsigned char *orig, *buf;
	char path[] = "/tmp/sonde-mutate.XXXXXX";
	unsigned int opened = 0, built = 0;
	unsigned long r;
	size_t len, keep;
	int fd;

	if (!seed)
		seed = now_ns(CLOCK_MONOTONIC) | 1;
	ksft_print_msg("seed %llu (SONDE_MUTATE_SEED replays it), %lu runs\n",
		       (unsigned long long)seed, runs);
	ASSERT_EQ(0, read_all(REGRESS_REC, &orig, &len));
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	close(fd);
	for (r = 0; r < runs; r++) {
		struct profile_filter f = { .comm = "split" };
		struct symbolizer *sym = NULL;
		struct profile *p = NULL;
		struct session *s = NULL;
		int err;

		memcpy(buf, orig, len);
		keep = mutate(buf, len, &seed);
		fd = open(path, O_WRONLY | O_TRUNC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, pwrite_all(fd, buf, keep, 0));
		close(fd);
		err = session__open(&s, path);
		EXPECT_GE(0, err);
		if (err)
			continue;
		opened++;
		ASSERT_EQ(0, symbolizer__new(&sym, s, NULL));
		err = profile__build(&p, s, sym, r % 2 ? &f : NULL);
		EXPECT_GE(0, err);
		if (!err) {
			built++;
			check_ids(_metadata, p);
			run_writers(_metadata, p, s);
		}
		profile__free(p);
		symbolizer__free(sym);
		session__close(s);
	}
	ksft_print_msg("%u of %lu mutants opened, %u built a profile\n",
		       opened, runs, built);
	/* Most mutations leave a readable file: the test reached the writers. */
	if (runs >= 20)
		EXPECT_LT(runs / 4, built);
	unlink(path);
	free(buf);
	free(orig);
}

TEST_HARNESS_MAIN
