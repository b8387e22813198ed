// SPDX-License-Identifier: GPL-2.0
/*
 * What a profile keeps of its samples (profile.h, enum profile_keep), on
 * synthetic recordings written here the way sonde record writes them:
 * each CPU's ring drained in rounds into RECORDS sections, so that file
 * order is not time order.  PROFILE_KEEP_MERGED must sum to what
 * PROFILE_KEEP_ALL keeps; PROFILE_KEEP_NONE must hand every sample over
 * in time order while holding about a round, count samples that come
 * too late, and stop on its sink's error.
 */
#include "kselftest_harness.h"

#include "helpers.h"
#include "profile/profile.h"
#include "recording/session.h"
#include "symbolize/symbolizer.h"

#define MS		1000000ULL
#define NR_RING_CPUS		3
#define ROUNDS		40
#define PER_ROUND	25	/* samples per CPU per round, 1 ms apart */
#define NR_SAMPLES	(NR_RING_CPUS * ROUNDS * PER_ROUND)
#define NR_ADDRS	5

/*
 * Round r of CPU c: PER_ROUND samples from (r * PER_ROUND + c) ms, every
 * ms, run by thread 100 + c at one of NR_ADDRS addresses.  @late_round:
 * CPU 0's section of that round is written again 100 ms older at its end
 * (-1: no such section).
 */
static int write_rounds(const char *path, int late_round)
{
	unsigned char rec[256];
	struct rec_writer *w;
	unsigned int r, c, i, n = 0;
	int fd, err;

	err = rec_file_create(path, &w, &fd);
	for (r = 0; !err && r < ROUNDS; r++) {
		for (c = 0; !err && c < NR_RING_CPUS; c++) {
			for (i = 0; !err && i < PER_ROUND; i++) {
				__u64 t = ((__u64)r * PER_ROUND + c + i) * MS;
				__u64 u = 0x1000 + (n % NR_ADDRS) * 0x10;
				size_t len = make_sample(rec, 1000 * MS + t, c,
						100, 100 + c, SONDE_CTX_USER,
						SONDE_SAMPLE_USER_REGS, NULL,
						0, &u, 1);

				n++;
				err = rec_writer__append_records(w, c, rec,
								 len);
			}
		}
		if ((int)r != late_round)
			continue;
		/* CPU 0 again, in a section of its own, after CPU 2's. */
		for (i = 0; !err && i < PER_ROUND; i++) {
			__u64 t = ((__u64)r * PER_ROUND + i) * MS - 100 * MS;
			__u64 u = 0x1000;
			size_t len = make_sample(rec, 1000 * MS + t, 0, 100,
						 100, SONDE_CTX_USER,
						 SONDE_SAMPLE_USER_REGS, NULL,
						 0, &u, 1);

			n++;
			err = rec_writer__append_records(w, 0, rec, len);
		}
	}
	return rec_file_finish(w, fd, n, err);
}

FIXTURE(keep) {
	char path[64];
	struct session *s;
	struct symbolizer *sym;
	struct profile *p;
};

FIXTURE_SETUP(keep)
{
	int fd;

	strcpy(self->path, "/tmp/sonde-keep.XXXXXX");
	fd = mkstemp(self->path);
	ASSERT_LE(0, fd);
	close(fd);
	self->s = NULL;
	self->sym = NULL;
	self->p = NULL;
}

FIXTURE_TEARDOWN(keep)
{
	profile__free(self->p);
	symbolizer__free(self->sym);
	session__close(self->s);
	unlink(self->path);
}

/* write_rounds() at @path, opened into *@s with its symbolizer *@sym. */
static int open_rounds(const char *path, int late_round, struct session **s,
		       struct symbolizer **sym)
{
	return write_rounds(path, late_round) ?:
	       session__open(s, path) ?:
	       symbolizer__new(sym, *s, NULL);
}

struct seen {
	size_t nr;
	__u64 count;
	__u64 last_ns;
	size_t out_of_order;
	size_t fail_at;		/* return -EPIPE for this sample (1-based) */
	__u64 per_cpu[NR_RING_CPUS];
};

static int sink(const struct profile *p, const struct profile_sample *s,
		void *ctx)
{
	struct seen *seen = ctx;

	if (s->stack >= p->nr_stacks || s->thread >= p->nr_threads ||
	    s->cpu >= NR_RING_CPUS)
		return -EINVAL;
	if (++seen->nr == seen->fail_at)
		return -EPIPE;
	if (seen->nr > 1 && s->time_ns < seen->last_ns)
		seen->out_of_order++;
	seen->last_ns = s->time_ns;
	seen->count += s->count;
	seen->per_cpu[s->cpu] += s->count;
	return 0;
}

TEST_F(keep, streams)
{
	ASSERT_EQ(0, open_rounds(self->path, -1, &self->s, &self->sym));
	/* A stream per CPU, whatever the order of their sections. */
	EXPECT_EQ(NR_RING_CPUS, session__nr_streams(self->s));
}

TEST_F(keep, merged_sums_what_all_keeps)
{
	const struct profile_options merged = { .keep = PROFILE_KEEP_MERGED };
	__u64 sum[NR_ADDRS * NR_RING_CPUS] = { 0 }, total = 0;
	struct profile *all = NULL;
	size_t i;

	ASSERT_EQ(0, open_rounds(self->path, -1, &self->s, &self->sym));
	ASSERT_EQ(0, profile__build(&all, self->s, self->sym, NULL));
	ASSERT_EQ(NR_SAMPLES, all->nr_samples);
	for (i = 0; i < all->nr_samples; i++) {
		ASSERT_GT(NR_ADDRS, all->samples[i].stack);
		sum[all->samples[i].stack * NR_RING_CPUS + all->samples[i].cpu] +=
			all->samples[i].count;
	}
	ASSERT_EQ(0, profile__build_opts(&self->p, self->s, self->sym,
					 &merged));
	/* One entry per (stack, thread, CPU); each thread runs on one CPU. */
	EXPECT_EQ(NR_ADDRS * NR_RING_CPUS, self->p->nr_samples);
	EXPECT_EQ(all->nr_stacks, self->p->nr_stacks);
	for (i = 0; i < self->p->nr_samples; i++) {
		const struct profile_sample *s = &self->p->samples[i];

		ASSERT_GT(NR_ADDRS, s->stack);
		EXPECT_EQ(sum[s->stack * NR_RING_CPUS + s->cpu], s->count);
		EXPECT_EQ(100 + s->cpu, self->p->threads[s->thread].tid);
		EXPECT_EQ(all->period_ns, s->period_ns);
		total += s->count;
	}
	EXPECT_EQ(NR_SAMPLES, total);
	for (i = 0; i < all->nr_stacks; i++)
		EXPECT_EQ(all->stacks[i].count, self->p->stacks[i].count);
	profile__free(all);
}

TEST_F(keep, none_streams_in_time_order)
{
	struct seen seen = { 0 };
	const struct profile_options none = {
		.keep = PROFILE_KEEP_NONE, .sink = sink, .sink_ctx = &seen,
	};
	unsigned int c;

	ASSERT_EQ(0, open_rounds(self->path, -1, &self->s, &self->sym));
	ASSERT_EQ(0, profile__build_opts(&self->p, self->s, self->sym, &none));
	EXPECT_EQ(NR_SAMPLES, seen.nr);
	EXPECT_EQ(NR_SAMPLES, seen.count);
	EXPECT_EQ(0, seen.out_of_order);
	EXPECT_EQ(0, self->p->late);
	EXPECT_EQ(0, self->p->nr_samples);
	for (c = 0; c < NR_RING_CPUS; c++)
		EXPECT_EQ(ROUNDS * PER_ROUND, seen.per_cpu[c]);
	/*
	 * Held: about a round of every CPU and the slack, not the
	 * recording; written before the walk ended.
	 */
	EXPECT_LT(0, self->p->held_max);
	EXPECT_GE(3 * NR_RING_CPUS * PER_ROUND, self->p->held_max)
		TH_LOG("held %zu of %d samples at once", self->p->held_max,
		       NR_SAMPLES);
	/* The stacks are counted as for the other modes. */
	EXPECT_EQ(NR_ADDRS, self->p->nr_stacks);
	EXPECT_EQ(NR_RING_CPUS, self->p->nr_threads);
}

TEST_F(keep, none_counts_late_samples)
{
	struct seen seen = { 0 };
	const struct profile_options none = {
		.keep = PROFILE_KEEP_NONE, .sink = sink, .sink_ctx = &seen,
	};

	ASSERT_EQ(0, open_rounds(self->path, 20, &self->s, &self->sym));
	ASSERT_EQ(0, profile__build_opts(&self->p, self->s, self->sym, &none));
	/* Every sample is still written, the late ones counted. */
	EXPECT_EQ(NR_SAMPLES + PER_ROUND, seen.nr);
	EXPECT_LT(0, self->p->late);
	EXPECT_GE(PER_ROUND, self->p->late);
	/* Written as found: each run of them is out of order once. */
	EXPECT_LE(1, seen.out_of_order);
	EXPECT_GE(self->p->late, seen.out_of_order);
}

TEST_F(keep, none_stops_on_sink_error)
{
	struct seen seen = { .fail_at = 10 };
	const struct profile_options none = {
		.keep = PROFILE_KEEP_NONE, .sink = sink, .sink_ctx = &seen,
	};
	const struct profile_options no_sink = { .keep = PROFILE_KEEP_NONE };

	ASSERT_EQ(0, open_rounds(self->path, -1, &self->s, &self->sym));
	EXPECT_EQ(-EPIPE, profile__build_opts(&self->p, self->s, self->sym,
					      &none));
	EXPECT_EQ(NULL, self->p);
	EXPECT_EQ(10, seen.nr);
	EXPECT_EQ(-EINVAL, profile__build_opts(&self->p, self->s, self->sym,
					       &no_sink));
	EXPECT_EQ(NULL, self->p);
}

TEST_HARNESS_MAIN
