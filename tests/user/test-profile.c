// SPDX-License-Identifier: GPL-2.0
/*
 * The profile model, built from a synthetic recording written here: two
 * processes with three threads, a pid reused by another program after
 * the first one exited, kernel and user frames, a sample whose kernel
 * frames were withheld, and a LOST record.  Checks stack deduplication,
 * per-thread counts, every filter, and the folded output.
 */
#include <zlib.h>

#include "kselftest_harness.h"

#include "export/folded.h"
#include "export/pprof.h"
#include "helpers.h"
#include "profile.pb-c.h"
#include "profile/profile.h"
#include "recording/session.h"
#include "symbolize/symbolizer.h"

#define SEC		1000000000ULL
#define KA		0xffffffff81000000ULL	/* kfunc_a */
#define KB		0xffffffff81000100ULL	/* kfunc_b */

static const char ksyms[] =
	"ffffffff81000000 T kfunc_a\n"
	"ffffffff81000100 T kfunc_b\n"
	"ffffffff81000200 T kfunc_end\n";

/* Sample numbers, in file order, used by the checks below. */
enum {
	S_ALPHA1, S_ALPHA2, S_ALPHA_T101, S_GAMMA, S_GAMMA_HIDDEN,
	S_BETA1, S_BETA2, NR_SAMPLES
};

static int append(struct rec_writer *w, __u32 cpu, const void *rec,
		  size_t size)
{
	return rec_writer__append_records(w, cpu, rec, size);
}

/*
 * alpha (pid 100: threads 100 and 101) and gamma (pid 200) run first;
 * alpha exits and beta reuses pid 100.  Each process is snapshotted
 * after its samples, as record does.  All mapped files are missing, so
 * user frames are named FILE+0xVADDR.
 */
static void write_recording(struct __test_metadata *_metadata, int fd)
{
	const __u64 kern[2] = { KA + 0x10, KB + 0x20 };
	const __u64 user[2] = { 0x401000, 0x402000 };
	const __u64 guser[1] = { 0x601000 };
	unsigned char rec[1024];
	struct rec_writer *w;
	size_t n;

	ASSERT_EQ(0, rec_writer__new_fd(&w, fd));
	ASSERT_EQ(0, add_session(w, 1000));
	ASSERT_EQ(0, rec_writer__add_section(w, SREC_SEC_KALLSYMS, 0, ksyms,
					     sizeof(ksyms) - 1));
	n = make_sample(rec, SEC / 10, 0, 100, 100, SONDE_CTX_KERNEL, 0,
			kern, 2, user, 2);
	ASSERT_EQ(0, append(w, 0, rec, n));
	n = make_sample(rec, 2 * SEC / 10, 0, 100, 100, SONDE_CTX_KERNEL, 0,
			kern, 2, user, 2);
	ASSERT_EQ(0, append(w, 0, rec, n));
	n = make_sample(rec, 3 * SEC / 10, 1, 100, 101, SONDE_CTX_USER, 0,
			NULL, 0, user, 2);
	ASSERT_EQ(0, append(w, 1, rec, n));
	n = make_sample(rec, 4 * SEC / 10, 1, 200, 200, SONDE_CTX_USER, 0,
			NULL, 0, guser, 1);
	ASSERT_EQ(0, append(w, 1, rec, n));
	n = make_lost(rec, SEC / 2, 0, 3);
	ASSERT_EQ(0, append(w, 0, rec, n));
	/* In the kernel, but kernel addresses were withheld. */
	n = make_sample(rec, 45 * SEC / 100, 0, 200, 200, SONDE_CTX_KERNEL,
			SONDE_SAMPLE_KERNEL_HIDDEN, NULL, 0, guser, 1);
	ASSERT_EQ(0, append(w, 0, rec, n));
	ASSERT_EQ(0, add_process(w, 100, "alpha", SEC, "/nonexistent/alpha",
				 0x400000, 0x500000, 0, NULL, 0));
	ASSERT_EQ(0, add_process(w, 200, "gamma", SEC, "/nonexistent/gamma",
				 0x600000, 0x700000, 0, NULL, 0));
	n = make_sample(rec, 25 * SEC / 10, 0, 100, 100, SONDE_CTX_USER, 0,
			NULL, 0, user, 2);
	ASSERT_EQ(0, append(w, 0, rec, n));
	n = make_sample(rec, 26 * SEC / 10, 1, 100, 100, SONDE_CTX_KERNEL, 0,
			kern, 2, user, 2);
	ASSERT_EQ(0, append(w, 1, rec, n));
	ASSERT_EQ(0, add_process(w, 100, "beta", 3 * SEC, "/nonexistent/beta",
				 0x400000, 0x500000, 0, NULL, 0));
	ASSERT_EQ(0, add_end(w, NR_SAMPLES, 3));
	ASSERT_EQ(0, rec_writer__finish(w));
	rec_writer__free(w);
}

FIXTURE(prof) {
	char path[64];
	struct session *s;
	struct symbolizer *sym;
	struct profile *p;
};

FIXTURE_SETUP(prof)
{
	int fd;

	strcpy(self->path, "/tmp/sonde-profile.XXXXXX");
	fd = mkstemp(self->path);
	ASSERT_LE(0, fd);
	write_recording(_metadata, fd);
	close(fd);
	ASSERT_EQ(0, session__open(&self->s, self->path));
	ASSERT_EQ(0, symbolizer__new(&self->sym, self->s, NULL));
	self->p = NULL;
}

FIXTURE_TEARDOWN(prof)
{
	profile__free(self->p);
	symbolizer__free(self->sym);
	session__close(self->s);
	unlink(self->path);
}

static const char *thread_comm(const struct profile *p, size_t sample)
{
	return profile__str(p, p->threads[p->samples[sample].thread].comm);
}

/* "name" of frame @i (leaf first) of sample @sample's stack. */
static const char *frame_name(const struct profile *p, size_t sample,
			      unsigned int i)
{
	const struct profile_function *fn =
		profile__frame_function(p, p->samples[sample].stack, i);

	return profile__str(p, fn->name);
}

/* Rebuild *@p with filter @f; its number of samples, or -1. */
static long build(struct profile **p, struct session *s,
		  struct symbolizer *sym, const struct profile_filter *f)
{
	profile__free(*p);
	*p = NULL;
	if (profile__build(p, s, sym, f))
		return -1;
	return (*p)->nr_samples;
}

TEST_F(prof, model)
{
	const struct profile_location *loc;
	const struct profile *p;
	__u32 per_thread[8] = { 0 };
	size_t i;

	ASSERT_EQ(NR_SAMPLES, build(&self->p, self->s, self->sym, NULL));
	p = self->p;
	EXPECT_EQ(NR_SAMPLES, session__counts(self->s)->samples);
	EXPECT_EQ(3, session__counts(self->s)->lost);
	EXPECT_EQ(1, p->kernel_hidden);
	EXPECT_EQ(1000000, p->period_ns);
	EXPECT_STREQ("", profile__str(p, 0));

	/* Equal stacks are one; a reused pid's code is another mapping. */
	EXPECT_EQ(p->samples[S_ALPHA1].stack, p->samples[S_ALPHA2].stack);
	EXPECT_NE(p->samples[S_ALPHA1].stack, p->samples[S_ALPHA_T101].stack);
	EXPECT_EQ(p->samples[S_GAMMA].stack, p->samples[S_GAMMA_HIDDEN].stack);
	EXPECT_NE(p->samples[S_ALPHA_T101].stack, p->samples[S_BETA1].stack);
	EXPECT_NE(p->samples[S_ALPHA1].stack, p->samples[S_BETA2].stack);
	EXPECT_EQ(5, p->nr_stacks);

	/* Kernel frames first, leaf first; return addresses at - 1. */
	ASSERT_EQ(4, p->stacks[p->samples[S_ALPHA1].stack].nr);
	EXPECT_STREQ("kfunc_a", frame_name(p, S_ALPHA1, 0));
	EXPECT_STREQ("kfunc_b", frame_name(p, S_ALPHA1, 1));
	EXPECT_STREQ("alpha+0x1000", frame_name(p, S_ALPHA1, 2));
	EXPECT_STREQ("alpha+0x1fff", frame_name(p, S_ALPHA1, 3));
	EXPECT_STREQ("beta+0x1000", frame_name(p, S_BETA2, 2));
	loc = &p->locations[p->stacks[p->samples[S_ALPHA1].stack].locs[1]];
	EXPECT_EQ(KB + 0x20, loc->address);
	EXPECT_EQ(0x20, loc->sym_off);
	EXPECT_TRUE(loc->is_return);
	EXPECT_TRUE(p->functions[loc->function].kernel);
	EXPECT_STREQ(SYMBOL_KERNEL_DSO,
		     profile__str(p, p->mappings[loc->mapping].path));
	loc = &p->locations[p->stacks[p->samples[S_BETA1].stack].locs[0]];
	EXPECT_EQ(0x400000, p->mappings[loc->mapping].start);
	EXPECT_EQ(0x500000, p->mappings[loc->mapping].limit);
	EXPECT_STREQ("/nonexistent/beta",
		     profile__str(p, p->mappings[loc->mapping].path));
	/* The kernel-hidden sample kept its user frame only. */
	EXPECT_EQ(1, p->stacks[p->samples[S_GAMMA_HIDDEN].stack].nr);

	/* Threads are (pid, tid, comm): beta's thread 100 is not alpha's. */
	EXPECT_EQ(4, p->nr_threads);
	EXPECT_EQ(3, p->nr_processes);
	EXPECT_STREQ("alpha", thread_comm(p, S_ALPHA1));
	EXPECT_STREQ("gamma", thread_comm(p, S_GAMMA));
	EXPECT_STREQ("beta", thread_comm(p, S_BETA1));
	EXPECT_NE(p->samples[S_ALPHA1].thread, p->samples[S_BETA1].thread);
	EXPECT_EQ(p->threads[p->samples[S_ALPHA1].thread].process,
		  p->threads[p->samples[S_ALPHA_T101].thread].process);
	for (i = 0; i < p->nr_samples; i++)
		per_thread[p->samples[i].thread] += p->samples[i].count;
	EXPECT_EQ(2, per_thread[p->samples[S_ALPHA1].thread]);
	EXPECT_EQ(1, per_thread[p->samples[S_ALPHA_T101].thread]);
	EXPECT_EQ(2, per_thread[p->samples[S_GAMMA].thread]);
	EXPECT_EQ(2, per_thread[p->samples[S_BETA1].thread]);
	for (i = 0; i < p->nr_threads; i++)
		EXPECT_EQ(per_thread[i], p->threads[i].count);
	EXPECT_EQ(2, p->stacks[p->samples[S_ALPHA1].stack].count);
	EXPECT_EQ(2, p->stacks[p->samples[S_GAMMA].stack].count);
	EXPECT_EQ(1, p->stacks[p->samples[S_BETA1].stack].count);
	EXPECT_EQ(101, p->threads[p->samples[S_ALPHA_T101].thread].tid);
	EXPECT_EQ(1, p->samples[S_ALPHA_T101].cpu);
	EXPECT_EQ(26 * SEC / 10, p->samples[S_BETA2].time_ns);
}

TEST_F(prof, filters)
{
	__u32 pid100 = 100, tid101 = 101, tids[2] = { 200, 101 };
	__u64 cpu1 = 1ULL << 1;
	struct profile_filter f;

	memset(&f, 0, sizeof(f));
	f.pids = &pid100;
	f.nr_pids = 1;
	/* Both programs that ran as pid 100. */
	EXPECT_EQ(5, build(&self->p, self->s, self->sym, &f));
	EXPECT_EQ(1, self->p->kernel_hidden);

	memset(&f, 0, sizeof(f));
	f.tids = &tid101;
	f.nr_tids = 1;
	EXPECT_EQ(1, build(&self->p, self->s, self->sym, &f));
	f.tids = tids;
	f.nr_tids = 2;
	EXPECT_EQ(3, build(&self->p, self->s, self->sym, &f));

	memset(&f, 0, sizeof(f));
	f.comm = "beta";
	EXPECT_EQ(2, build(&self->p, self->s, self->sym, &f));
	EXPECT_STREQ("beta", thread_comm(self->p, 0));
	f.comm = "alph";
	EXPECT_EQ(0, build(&self->p, self->s, self->sym, &f));

	memset(&f, 0, sizeof(f));
	f.cpus = &cpu1;
	f.nr_cpu_bits = 64;
	EXPECT_EQ(3, build(&self->p, self->s, self->sym, &f));
	EXPECT_EQ(1, self->p->samples[0].cpu);

	memset(&f, 0, sizeof(f));
	f.has_time = true;
	f.time_start_ns = 15 * SEC / 100;
	f.time_end_ns = 255 * SEC / 100;
	/* [0.15 s, 2.55 s): alpha's second and third, gamma's two, beta's first. */
	EXPECT_EQ(5, build(&self->p, self->s, self->sym, &f));
	EXPECT_EQ(2 * SEC / 10, self->p->samples[0].time_ns);
	EXPECT_EQ(25 * SEC / 10, self->p->samples[4].time_ns);

	/* Filters combine. */
	f.comm = "gamma";
	EXPECT_EQ(2, build(&self->p, self->s, self->sym, &f));
}

TEST_F(prof, folded)
{
	static const char expect[] =
		"alpha;alpha+0x1fff;alpha+0x1000 1\n"
		"alpha;alpha+0x1fff;alpha+0x1000;kfunc_b_[k];kfunc_a_[k] 2\n"
		"beta;beta+0x1fff;beta+0x1000 1\n"
		"beta;beta+0x1fff;beta+0x1000;kfunc_b_[k];kfunc_a_[k] 1\n"
		"gamma;gamma+0x1000 2\n";
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	ASSERT_EQ(NR_SAMPLES, build(&self->p, self->s, self->sym, NULL));
	out = open_memstream(&text, &len);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, folded__write(self->p, out));
	fclose(out);
	EXPECT_STREQ(expect, text);
	free(text);
}

/* Inflate gzip @in (@len bytes) into a new buffer; its size or -1. */
static long gunzip(const void *in, size_t len, unsigned char **out)
{
	size_t cap = 1 << 20;
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

static const char *pb_str(const Perftools__Profiles__Profile *pb, int64_t i)
{
	return i >= 0 && (size_t)i < pb->n_string_table ?
	       pb->string_table[i] : "(bad string id)";
}

static const Perftools__Profiles__Label *
find_label(const Perftools__Profiles__Profile *pb,
	   const Perftools__Profiles__Sample *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n_label; i++)
		if (!strcmp(pb_str(pb, s->label[i]->key), key))
			return s->label[i];
	return NULL;
}

static const char *label_str(const Perftools__Profiles__Profile *pb,
			     const Perftools__Profiles__Sample *s,
			     const char *key)
{
	const Perftools__Profiles__Label *l = find_label(pb, s, key);

	return l ? pb_str(pb, l->str) : NULL;
}

static int64_t label_num(const Perftools__Profiles__Profile *pb,
			 const Perftools__Profiles__Sample *s,
			 const char *key)
{
	const Perftools__Profiles__Label *l = find_label(pb, s, key);

	return l ? l->num : -1;
}

/*
 * The pprof export, decoded again with protobuf-c: pprof's invariants
 * (string 0 empty, ids from 1 that resolve), the sample types and
 * period, and the samples, merged per stack, thread and CPU, with their
 * frames and labels.
 */
TEST_F(prof, pprof)
{
	Perftools__Profiles__Profile *pb;
	const Perftools__Profiles__Sample *s;
	const Perftools__Profiles__Location *loc;
	const Perftools__Profiles__Function *fn;
	unsigned char *raw = NULL;
	char *gz = NULL;
	size_t gz_len = 0, i, j;
	int64_t total = 0, ns = 0, beta = 0;
	bool found = false;
	long n;
	FILE *out;

	ASSERT_EQ(NR_SAMPLES, build(&self->p, self->s, self->sym, NULL));
	out = open_memstream(&gz, &gz_len);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, pprof__write(self->p, out));
	fclose(out);
	n = gunzip(gz, gz_len, &raw);
	ASSERT_LT(0, n);
	pb = perftools__profiles__profile__unpack(NULL, n, raw);
	ASSERT_NE(NULL, pb);
	EXPECT_STREQ("", pb->string_table[0]);
	ASSERT_EQ(2, pb->n_sample_type);
	EXPECT_STREQ("samples", pb_str(pb, pb->sample_type[0]->type));
	EXPECT_STREQ("count", pb_str(pb, pb->sample_type[0]->unit));
	EXPECT_STREQ("cpu", pb_str(pb, pb->sample_type[1]->type));
	EXPECT_STREQ("nanoseconds", pb_str(pb, pb->sample_type[1]->unit));
	ASSERT_NE(NULL, pb->period_type);
	EXPECT_STREQ("cpu", pb_str(pb, pb->period_type->type));
	EXPECT_EQ(1000000, pb->period);
	/* The pseudo mappings ([kernel.kallsyms]) come after the files. */
	ASSERT_LT(0, pb->n_mapping);
	EXPECT_NE(0, pb->mapping[0]->memory_start);
	for (i = 0; i < pb->n_mapping; i++)
		EXPECT_EQ(i + 1, pb->mapping[i]->id);
	for (i = 0; i < pb->n_location; i++) {
		EXPECT_EQ(i + 1, pb->location[i]->id);
		EXPECT_LT(0, pb->location[i]->mapping_id);
		EXPECT_GE(pb->n_mapping, pb->location[i]->mapping_id);
		ASSERT_EQ(1, pb->location[i]->n_line);
		EXPECT_GE(pb->n_function,
			  pb->location[i]->line[0]->function_id);
	}
	/* Samples 1 and 2 (one stack, thread and CPU) are one. */
	EXPECT_EQ(NR_SAMPLES - 1, pb->n_sample);
	for (i = 0; i < pb->n_sample; i++) {
		s = pb->sample[i];
		ASSERT_EQ(2, s->n_value);
		total += s->value[0];
		ns += s->value[1];
		if (!strcmp(label_str(pb, s, "comm") ?: "", "beta"))
			beta += s->value[0];
		if (s->value[0] != 2)
			continue;
		found = true;
		EXPECT_EQ(100, label_num(pb, s, "pid"));
		EXPECT_EQ(100, label_num(pb, s, "tid"));
		EXPECT_EQ(0, label_num(pb, s, "cpu"));
		EXPECT_STREQ("alpha", label_str(pb, s, "comm"));
		ASSERT_EQ(4, s->n_location_id);
		/* Leaf first: kfunc_a, kfunc_b, then the user frames. */
		for (j = 0; j < 2; j++) {
			loc = pb->location[s->location_id[j] - 1];
			fn = pb->function[loc->line[0]->function_id - 1];
			EXPECT_STREQ(j ? "kfunc_b" : "kfunc_a",
				     pb_str(pb, fn->name));
		}
		loc = pb->location[s->location_id[2] - 1];
		EXPECT_EQ(0x401000, loc->address);
		EXPECT_STREQ("/nonexistent/alpha",
			     pb_str(pb, pb->mapping[loc->mapping_id - 1]->filename));
	}
	EXPECT_TRUE(found);
	EXPECT_EQ(NR_SAMPLES, total);
	EXPECT_EQ(NR_SAMPLES * 1000000LL, ns);
	EXPECT_EQ(2, beta);
	perftools__profiles__profile__free_unpacked(pb, NULL);
	free(raw);
	free(gz);
}

/*
 * A session outlives its symbolizers: a second one, after the first was
 * freed, must not reach into the first one's files (ASan in the san
 * build), and gives the same profile.
 */
TEST_F(prof, second_symbolizer)
{
	struct symbolizer *again;
	struct profile *p2 = NULL;

	ASSERT_EQ(NR_SAMPLES, build(&self->p, self->s, self->sym, NULL));
	symbolizer__free(self->sym);
	self->sym = NULL;
	ASSERT_EQ(0, symbolizer__new(&again, self->s, NULL));
	EXPECT_EQ(NR_SAMPLES, build(&p2, self->s, again, NULL));
	ASSERT_NE(NULL, p2);
	EXPECT_EQ(self->p->nr_stacks, p2->nr_stacks);
	EXPECT_EQ(self->p->nr_locations, p2->nr_locations);
	EXPECT_STREQ("alpha+0x1000", frame_name(p2, S_ALPHA1, 2));
	profile__free(p2);
	symbolizer__free(again);
}

TEST_HARNESS_MAIN
