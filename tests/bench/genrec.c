// SPDX-License-Identifier: GPL-2.0
/*
 * Synthetic recordings in the shapes that made symbolization and export
 * slow (issue 7 item 17, item 15), for scripts/bench --host.  They are
 * written with the tool's own writer and point into a real shared library
 * (libc by default) so that report really symbolizes.
 *
 *   genrec samelib NPIDS NSAMPLES OUT   NSAMPLES over the same 4,096
 *                                       addresses of one library, spread
 *                                       over NPIDS processes, each of
 *                                       which walks all of them in turn
 *   genrec unmapped NSNAPS NSAMPLES OUT one process with NSNAPS snapshots
 *                                       of 32 mappings, every sample's IP
 *                                       mapped nowhere
 *   genrec stacks NSTACKS OUT           NSTACKS samples, each a distinct
 *                                       8-frame stack of library functions
 *   genrec snapshots N OUT              one process, N snapshots written
 *                                       newest first, N samples
 *   genrec mix NPROCS NTHREADS NSTACKS NSAMPLES OUT
 *                                       a profile's shape at scale
 *                                       (issue 10): NPROCS processes
 *                                       (comm "procP") of NTHREADS
 *                                       threads each, NSAMPLES samples on
 *                                       exactly NSTACKS distinct stacks
 *                                       10 to 40 frames deep over at
 *                                       most NR_FUNCS distinct functions,
 *                                       some stacks much hotter than
 *                                       others; prints "STACKS FRAMES
 *                                       TFRAMES": FRAMES the sum of
 *                                       their depths, TFRAMES that of
 *                                       every (stack, thread) sampled
 *   genrec libs NLIBS NSAMPLES OUT      one process mapping NLIBS
 *                                       libraries (the first NLIBS of
 *                                       LIBS, a colon-separated list,
 *                                       that have at least 16 functions),
 *                                       NSAMPLES samples on 1,000
 *                                       distinct stacks 10 to 20 frames
 *                                       deep, each frame in a library
 *                                       drawn at random, some stacks
 *                                       much hotter than others
 *
 * LIB=path picks the library of the other shapes.  Deterministic: the same arguments give the
 * same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recording/recording.h"
#include "lib/util.h"

#define NR_ADDRS	4096
#define BASE		0x7f0000000000ULL
#define DEPTH		8
#define MAX_DEPTH	40
#define NR_FUNCS	400

struct lib {
	const char *path;
	__u64 size;
	__u64 addrs[NR_ADDRS];	/* inside functions, as mapped at BASE */
	/* The middles of up to NR_FUNCS functions at distinct addresses */
	__u64 funcs[NR_FUNCS];
	unsigned int nr_funcs;
};

/* Function addresses of @l->path's dynamic symbols, as mapped at BASE. */
static int load_lib(struct lib *l)
{
	GElf_Sym *syms = NULL;
	size_t nr = 0, cap = 0, i;
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(l->path, O_RDONLY);
	if (fd < 0)
		return -errno;
	l->size = lseek(fd, 0, SEEK_END);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *d = elf_getdata(scn, NULL);
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM ||
		    !d || !sh.sh_entsize)
			continue;
		for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;

			if (!gelf_getsym(d, i, &s) ||
			    GELF_ST_TYPE(s.st_info) != STT_FUNC ||
			    !s.st_value || s.st_size < 4)
				continue;
			if (nr == cap) {
				cap = cap ? 2 * cap : 1024;
				syms = realloc(syms, cap * sizeof(*syms));
				if (!syms)
					return -ENOMEM;
			}
			syms[nr++] = s;
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	if (!nr)
		return -ENOEXEC;
	/* In shared libraries text vaddr == file offset: mapped at BASE. */
	for (i = 0; i < NR_ADDRS; i++) {
		const GElf_Sym *s = &syms[i % nr];

		l->addrs[i] = BASE + s->st_value + (i / nr) % s->st_size;
	}
	/* Aliases share an address: keep one symbol of each. */
	for (i = 0; i < nr && l->nr_funcs < NR_FUNCS; i++) {
		size_t k;

		for (k = 0; k < i && syms[k].st_value != syms[i].st_value; k++)
			;
		if (k == i)
			l->funcs[l->nr_funcs++] = BASE + syms[i].st_value +
						  syms[i].st_size / 2;
	}
	free(syms);
	return 0;
}

/*
 * A snapshot mapping the library at BASE and @extra more (never loaded:
 * their paths do not exist) above it, as a real process maps dozens.
 */
static int add_snapshot(struct rec_writer *w, const struct lib *l, __u32 pid,
			const char *comm, __u64 time_ns, unsigned int extra)
{
	struct srec_process ph = { .pid = pid, .time_ns = time_ns,
				   .nr_maps = 1 + extra };
	struct srec_map m = { .start = BASE, .end = BASE + l->size };
	struct buf b = { 0 };
	char path[64];
	unsigned int i;
	int err;

	snprintf(ph.comm, sizeof(ph.comm), "%s", comm);
	m.path_len = strlen(l->path);
	err = buf__append(&b, &ph, sizeof(ph));
	if (!err)
		err = buf__append(&b, &m, sizeof(m));
	if (!err)
		err = buf__append(&b, l->path, m.path_len + 1);
	if (!err)
		err = buf__pad8(&b);
	for (i = 0; !err && i < extra; i++) {
		snprintf(path, sizeof(path), "/nonexistent/lib%u.so", i);
		m.start = BASE + (1ULL << 32) + i * 0x200000ULL;
		m.end = m.start + 0x100000;
		m.path_len = strlen(path);
		err = buf__append(&b, &m, sizeof(m));
		if (!err)
			err = buf__append(&b, path, m.path_len + 1);
		if (!err)
			err = buf__pad8(&b);
	}
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_PROCESS, 0, b.data,
					      b.len);
	buf__free(&b);
	return err;
}

static int add_sample_tid(struct rec_writer *w, __u64 time_ns, __u32 pid,
			  __u32 tid, const __u64 *frames, unsigned int nr)
{
	unsigned char rec[sizeof(struct sonde_sample) + MAX_DEPTH * 8];
	struct sonde_sample *s = (void *)rec;
	size_t size = sizeof(*s) + nr * 8;

	memset(s, 0, size);
	s->hdr.type = SONDE_RECORD_SAMPLE;
	s->hdr.size = size;
	s->time_ns = time_ns;
	s->pid = pid;
	s->tid = tid;
	s->context = SONDE_CTX_USER;
	s->flags = SONDE_SAMPLE_USER_REGS;
	s->ip = frames[0];
	s->user_ip = frames[0];
	s->nr_user = nr;
	memcpy(s->frames, frames, nr * 8);
	return rec_writer__append_records(w, 0, rec, size);
}

static int add_sample(struct rec_writer *w, __u64 time_ns, __u32 pid,
		      const __u64 *frames, unsigned int nr)
{
	return add_sample_tid(w, time_ns, pid, pid, frames, nr);
}

static __u64 rng(__u64 *state)
{
	/* xorshift64: deterministic and good enough to spread stacks. */
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/*
 * The mix shape.  Stack k belongs to process k % @nprocs; its frames,
 * root first, are that process's "main" then random functions, so that
 * stacks share a root as real ones do and are distinct (a duplicate
 * among the random tails is drawn again).  The first @nstacks samples
 * walk every stack once; the rest pick r * r / nstacks for a uniform r,
 * so low stacks are hot and high ones cold.  Samples are 1 ms apart.
 */
static int gen_mix(struct rec_writer *w, const struct lib *l,
		   unsigned long nprocs, unsigned long nthreads,
		   unsigned long nstacks, unsigned long n)
{
	__u64 seed = 88172645463325252ULL, *frames;
	unsigned int *depth;
	unsigned long i, j, k, p, t, nr_frames = 0, nr_tframes = 0;
	__u64 *seen;
	char comm[32];
	int err = 0;

	if (!nprocs || !nthreads || nthreads > 64 || !nstacks || nstacks > n ||
	    l->nr_funcs < 2 * nprocs)
		return -EINVAL;
	frames = calloc(nstacks * MAX_DEPTH, sizeof(*frames));
	depth = calloc(nstacks, sizeof(*depth));
	seen = calloc(nstacks, sizeof(*seen));	/* threads, a bit each */
	if (!frames || !depth || !seen) {
		free(frames);
		free(depth);
		free(seen);
		return -ENOMEM;
	}
	for (k = 0; k < nstacks; k++) {
		__u64 *f = &frames[k * MAX_DEPTH];
		unsigned int d = 10 + rng(&seed) % (MAX_DEPTH - 10 + 1);
		unsigned long o;

again:
		/* Leaf first: f[d - 1] is the root, the process's main. */
		f[d - 1] = l->funcs[k % nprocs];
		for (j = 0; j + 1 < d; j++)
			f[j] = l->funcs[nprocs + rng(&seed) %
					(l->nr_funcs - nprocs)];
		for (o = k % nprocs; o < k; o += nprocs)
			if (depth[o] == d &&
			    !memcmp(&frames[o * MAX_DEPTH], f, d * 8))
				goto again;
		depth[k] = d;
		nr_frames += d;
	}
	for (i = 0; !err && i < n; i++) {
		__u64 r = rng(&seed) % nstacks;

		k = i < nstacks ? i : r * r / nstacks;
		p = k % nprocs;
		t = rng(&seed) % nthreads;
		if (!(seen[k] & 1ULL << t))
			nr_tframes += depth[k];
		seen[k] |= 1ULL << t;
		err = add_sample_tid(w, 1000 + i * 1000000ULL,
				     1000 + p * 100, 1000 + p * 100 + t,
				     &frames[k * MAX_DEPTH], depth[k]);
	}
	for (p = 0; !err && p < nprocs; p++) {
		snprintf(comm, sizeof(comm), "proc%lu", p % 1000);
		err = add_snapshot(w, l, 1000 + p * 100, comm,
				   1000 + n * 1000000ULL, 0);
	}
	printf("%lu %lu %lu\n", nstacks, nr_frames, nr_tframes);
	free(frames);
	free(depth);
	free(seen);
	return err;
}

/* Where library @i of the libs shape is mapped: 256 MiB apart. */
#define LIB_BASE(i)	(BASE + (__u64)(i) * 0x10000000ULL)

/*
 * The libs shape: libraries from @list (colon-separated), each a
 * mapping of one snapshot; stacks drawn as in the mix shape, but every
 * frame in a random one of the libraries.
 */
static int gen_libs(struct rec_writer *w, char *list, unsigned long nlibs,
		    unsigned long n)
{
	enum { NSTACKS = 1000, MIN_DEPTH = 10, SPAN = 11 };
	struct srec_process ph = { .pid = 1000, .time_ns = 1000 + n * 1000000ULL };
	__u64 seed = 88172645463325252ULL, *frames = NULL;
	struct lib **libs = calloc(nlibs, sizeof(*libs));
	unsigned long nr = 0, i, j, k;
	struct buf b = { 0 };
	char *path, *save;
	int err = 0;

	if (!libs || !nlibs)
		return -EINVAL;
	for (path = strtok_r(list, ":", &save); path && nr < nlibs;
	     path = strtok_r(NULL, ":", &save)) {
		struct lib *l = calloc(1, sizeof(*l));

		if (!l)
			return -ENOMEM;
		l->path = path;
		if (load_lib(l) || l->nr_funcs < 16 || l->size >= 0x10000000ULL) {
			free(l);
			continue;
		}
		libs[nr++] = l;
	}
	if (nr < nlibs) {
		fprintf(stderr, "genrec: %lu usable libraries in LIBS, not %lu\n",
			nr, nlibs);
		err = -ENOENT;
		goto out;
	}
	frames = calloc(NSTACKS * MAX_DEPTH, sizeof(*frames));
	if (!frames) {
		err = -ENOMEM;
		goto out;
	}
	for (k = 0; k < NSTACKS; k++)
		for (j = 0; j < MIN_DEPTH + k % SPAN; j++) {
			unsigned long li = rng(&seed) % nlibs;
			const struct lib *l = libs[li];

			frames[k * MAX_DEPTH + j] =
				l->funcs[rng(&seed) % l->nr_funcs] - BASE +
				LIB_BASE(li);
		}
	for (i = 0; !err && i < n; i++) {
		__u64 r = rng(&seed) % NSTACKS;

		k = i < NSTACKS ? i : r * r / NSTACKS;
		err = add_sample(w, 1000 + i * 1000000ULL, 1000,
				 &frames[k * MAX_DEPTH], MIN_DEPTH + k % SPAN);
	}
	snprintf(ph.comm, sizeof(ph.comm), "libs");
	ph.nr_maps = nlibs;
	err = err ?: buf__append(&b, &ph, sizeof(ph));
	for (i = 0; !err && i < nlibs; i++) {
		struct srec_map m = {
			.start = LIB_BASE(i),
			.end = LIB_BASE(i) + libs[i]->size,
			.path_len = strlen(libs[i]->path),
		};

		err = buf__append(&b, &m, sizeof(m)) ?:
		      buf__append(&b, libs[i]->path, m.path_len + 1) ?:
		      buf__pad8(&b);
	}
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_PROCESS, 0, b.data,
					      b.len);
out:
	buf__free(&b);
	free(frames);
	for (i = 0; i < nr; i++)
		free(libs[i]);
	free(libs);
	return err;
}

static unsigned long arg(const char *s)
{
	return strtoul(s, NULL, 10);
}

int main(int argc, char **argv)
{
	struct srec_session ss = { .size = sizeof(ss), .frequency = 999 };
	struct lib *l = calloc(1, sizeof(*l));
	const char *shape = argc > 1 ? argv[1] : "", *out = argv[argc - 1];
	struct rec_writer *w;
	__u64 seed = 88172645463325252ULL, f[DEPTH];
	unsigned long i, j, n;
	int fd, err;

	l->path = getenv("LIB") ? getenv("LIB") :
		  "/lib/x86_64-linux-gnu/libc.so.6";
	if (argc < 4 || (!strcmp(shape, "samelib") && argc != 5) ||
	    (!strcmp(shape, "unmapped") && argc != 5) ||
	    (!strcmp(shape, "mix") && argc != 7) ||
	    (!strcmp(shape, "libs") && (argc != 5 || !getenv("LIBS")))) {
		fprintf(stderr, "usage: see the top of genrec.c\n");
		return 2;
	}
	err = strcmp(shape, "libs") ? load_lib(l) : 0;
	if (err) {
		fprintf(stderr, "genrec: %s: %s\n", l->path, strerror(-err));
		return 1;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || rec_writer__new_fd(&w, fd)) {
		perror(out);
		return 1;
	}
	strcpy(ss.sysname, "Linux");
	strcpy(ss.nodename, "bench");
	err = rec_writer__add_section(w, SREC_SEC_SESSION, 0, &ss,
				      sizeof(ss));
	if (!strcmp(shape, "samelib")) {
		unsigned long npids = arg(argv[2]);

		n = arg(argv[3]);
		for (i = 0; !err && i < n; i++)
			err = add_sample(w, 1000 + i, 1000 + i % npids,
					 &l->addrs[i / npids % NR_ADDRS], 1);
		for (i = 0; !err && i < npids; i++)
			err = add_snapshot(w, l, 1000 + i, "bench", 1000 + n,
					   0);
	} else if (!strcmp(shape, "unmapped")) {
		unsigned long nsnaps = arg(argv[2]);
		__u64 ip = 0x1000;

		n = arg(argv[3]);
		for (i = 0; !err && i < n; i++)
			err = add_sample(w, 1000 + i * 10, 1000, &ip, 1);
		for (i = 0; !err && i < nsnaps; i++)
			err = add_snapshot(w, l, 1000, "bench",
					   1000 + i * 10 * n / nsnaps, 32);
	} else if (!strcmp(shape, "stacks")) {
		n = arg(argv[2]);
		for (i = 0; !err && i < n; i++) {
			for (j = 0; j < DEPTH; j++)
				f[j] = l->addrs[rng(&seed) % NR_ADDRS];
			err = add_sample(w, 1000 + i, 1000, f, DEPTH);
		}
		if (!err)
			err = add_snapshot(w, l, 1000, "bench", 1000 + n, 0);
	} else if (!strcmp(shape, "snapshots")) {
		n = arg(argv[2]);
		for (i = 0; !err && i < n; i++)
			err = add_sample(w, 1000 * i + 500, 1000,
					 &l->addrs[i % NR_ADDRS], 1);
		for (i = n; !err && i-- > 0;)
			err = add_snapshot(w, l, 1000, i % 2 ? "odd" : "even",
					   1000 * i + 1000, 0);
	} else if (!strcmp(shape, "libs")) {
		n = arg(argv[3]);
		char *list = strdup(getenv("LIBS"));

		err = list ? gen_libs(w, list, arg(argv[2]), n) : -ENOMEM;
		free(list);
	} else if (!strcmp(shape, "mix")) {
		err = gen_mix(w, l, arg(argv[2]), arg(argv[3]), arg(argv[4]),
			      arg(argv[5]));
		n = arg(argv[5]);
	} else {
		fprintf(stderr, "genrec: unknown shape '%s'\n", shape);
		return 2;
	}
	if (!err) {
		struct srec_end e = { .nr_samples = n };

		err = rec_writer__add_section(w, SREC_SEC_END, 0, &e,
					      sizeof(e));
	}
	if (!err)
		err = rec_writer__finish(w);
	rec_writer__free(w);
	close(fd);
	free(l);
	if (err) {
		fprintf(stderr, "genrec: %s: %s\n", out, strerror(-err));
		return 1;
	}
	return 0;
}
