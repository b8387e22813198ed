// SPDX-License-Identifier: GPL-2.0
/*
 * The event-name parser (lib/evspec.h): perf's names and aliases to
 * type and config, rNNNN raw configs, lists, refusals, perf stat's
 * default list, and count scaling and deltas.
 */
#include <linux/perf_event.h>

#include "kselftest_harness.h"

#include "lib/evspec.h"
#include "lib/util.h"

static const struct {
	const char *name;
	__u32 type;
	__u64 config;
	unsigned int flags;
} known[] = {
	{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, EVSPEC_NSEC },
	{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, EVSPEC_NSEC },
	{ "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0 },
	{ "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0 },
	{ "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, 0 },
	{ "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 0 },
	{ "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 0 },
	{ "cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 0 },
	{ "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, 0 },
	{ "migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, 0 },
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 0 },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 0 },
	{ "ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES, 0 },
	{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, 0 },
	{ "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, 0 },
	{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, 0 },
	{ "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 0 },
	{ "r1a", PERF_TYPE_RAW, 0x1a, 0 },
	{ "r00C4", PERF_TYPE_RAW, 0xc4, 0 },
	{ "rffffffffffffffff", PERF_TYPE_RAW, ~0ULL, 0 },
};

TEST(known_names)
{
	struct evspec s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(known); i++) {
		ASSERT_EQ(0, evspec__parse(known[i].name, &s))
			TH_LOG("%s", known[i].name);
		EXPECT_EQ(known[i].type, s.type) TH_LOG("%s", known[i].name);
		EXPECT_EQ(known[i].config, s.config)
			TH_LOG("%s", known[i].name);
		EXPECT_EQ(known[i].flags, s.flags);
		/* The name is kept as written: perf prints "cs" for -e cs. */
		EXPECT_STREQ(known[i].name, s.name);
		EXPECT_TRUE(evspec__is(&s, known[i].type, known[i].config));
	}
}

TEST(refused_names)
{
	static const char *const bad[] = {
		"", "bogus", "Cycles", "task-clock ", " cs", "r", "rx1",
		"r12g", "cycles:u", "task_clock", "r-1", "0x10",
		"a-name-far-longer-than-any-event-name-is",
	};
	struct evspec s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, evspec__parse(bad[i], &s))
			TH_LOG("case %u", i);
	/* 17 hex digits do not fit a config; a long non-hex tail is unknown. */
	EXPECT_EQ(-ERANGE, evspec__parse("r10000000000000000", &s));
	EXPECT_EQ(-ERANGE, evspec__parse("r1234567890abcdef1234567890", &s));
	EXPECT_EQ(-EINVAL, evspec__parse("r1234567890abcdef123456789z", &s));
}

TEST(lists)
{
	struct evspec *specs = NULL;
	const char *bad = NULL;
	unsigned int nr = 0;
	size_t len = 0;

	ASSERT_EQ(0, evspec__parse_list("cycles,cs", &specs, &nr, &bad, &len));
	ASSERT_EQ(2, nr);
	EXPECT_STREQ("cycles", specs[0].name);
	EXPECT_STREQ("cs", specs[1].name);
	/* A second -e appends; a name may repeat, as in perf. */
	ASSERT_EQ(0, evspec__parse_list("task-clock,cs", &specs, &nr, NULL,
					 NULL));
	ASSERT_EQ(4, nr);
	EXPECT_STREQ("task-clock", specs[2].name);
	EXPECT_STREQ("cs", specs[3].name);
	/* A bad name appends nothing, and is pointed at. */
	EXPECT_EQ(-EINVAL, evspec__parse_list("cs,bogus,faults", &specs, &nr,
					      &bad, &len));
	EXPECT_EQ(4, nr);
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, strncmp(bad, "bogus", len));
	EXPECT_EQ(-EINVAL, evspec__parse_list("cs,", &specs, &nr, &bad,
					      &len));
	EXPECT_EQ(0, len);
	EXPECT_EQ(-EINVAL, evspec__parse_list(",cs", &specs, &nr, &bad,
					      &len));
	EXPECT_EQ(-EINVAL, evspec__parse_list("", &specs, &nr, &bad, &len));
	EXPECT_EQ(-ERANGE, evspec__parse_list("r11111111111111111", &specs,
					      &nr, &bad, &len));
	EXPECT_EQ(4, nr);
	free(specs);
}

TEST(defaults_are_perf_stats)
{
	static const char *const want[] = {
		"task-clock", "context-switches", "cpu-migrations",
		"page-faults", "cycles", "instructions", "branches",
		"branch-misses",
	};
	struct evspec *specs = NULL;
	unsigned int nr = 0, i;

	ASSERT_EQ(0, evspec__defaults(&specs, &nr));
	ASSERT_EQ(ARRAY_SIZE(want), nr);
	for (i = 0; i < nr; i++)
		EXPECT_STREQ(want[i], specs[i].name);
	free(specs);
}

TEST(scaling_and_deltas)
{
	struct evcount full = { .value = 100, .enabled = 50, .running = 50 };
	struct evcount half = { .value = 100, .enabled = 100, .running = 50 };
	struct evcount never = { .value = 0, .enabled = 100, .running = 0 };
	struct evcount a = { .value = 10, .enabled = 20, .running = 20 };
	struct evcount b = { .value = 15, .enabled = 30, .running = 25,
			     .err = -ENOENT };
	struct evcount d;

	EXPECT_EQ(100.0, evcount__scaled(&full));
	EXPECT_EQ(200.0, evcount__scaled(&half));
	EXPECT_EQ(0.0, evcount__scaled(&never));
	evcount__delta(&b, &a, &d);
	EXPECT_EQ(5, d.value);
	EXPECT_EQ(10, d.enabled);
	EXPECT_EQ(5, d.running);
	EXPECT_EQ(-ENOENT, d.err);
	/* Backwards (a counter reopened) is 0, not a wrapped huge count. */
	evcount__delta(&a, &b, &d);
	EXPECT_EQ(0, d.value);
}

TEST_HARNESS_MAIN
