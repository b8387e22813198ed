// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seeds of the recording fuzz target (make-seeds.sh runs it):
 * small but complete recordings through the tool's real writer.
 * OUTDIR/small.sonde has a section of every kind the readers parse and
 * samples that reach each symbolizer path: kernel frames in the KALLSYMS
 * text, user frames in a mapped file, the vDSO (its image in the VDSO
 * section) and JIT code a PERFMAP section names, and one in no mapping.
 * OUTDIR/events.sonde adds an EVENTS section (fork, comm, mmap, exec,
 * exit), so that address spaces change while samples are taken.
 * OUTDIR/jitdump.sonde has no VDSO section but a JITDUMP one, whose dump
 * (written with ../user/jitdump-writer.h) names the JIT code of the
 * samples by their time: loads with source lines, a move, code reused at
 * one address, unwinding info.
 * Metadata sections are stored uncompressed where the format allows, so
 * that mutations reach their parsers.
 *
 * Usage: gen-recording OUTDIR VDSO-IMAGE
 */
#include "helpers.h"
#include "jitdump-writer.h"

#define PID		4242
#define EXE_START	0x555555554000ULL
#define VDSO_START	0x7ffff7fc1000ULL
#define JIT_START	0x7f0000000000ULL
#define LIB_START	0x7f1000000000ULL

/* What write_seed() adds to the sections every seed has. */
#define SEED_VDSO	(1U << 0)
#define SEED_EVENTS	(1U << 1)
#define SEED_JITDUMP	(1U << 2)

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81001000 T do_syscall_64\n"
	"ffffffff81002000 t asm_sysvec_apic_timer_interrupt\n"
	"ffffffffc0001000 t ext4_fill_super\t[ext4]\n";

static const char perfmap[] =
	"7f0000000000 100 LazyCompile:~main /app/index.js:1\n"
	"7f0000000100 80 Function:foo\n";

struct map_spec {
	const char *path;
	__u64 start, end, pgoff;
};

static int add_maps(struct rec_writer *w, const struct map_spec *ms,
		    unsigned int nr)
{
	struct srec_process ph = { .pid = PID, .time_ns = 500, .nr_maps = nr };
	struct buf b = { 0 };
	unsigned int i;
	int err;

	snprintf(ph.comm, sizeof(ph.comm), "seed");
	err = buf__append(&b, &ph, sizeof(ph));
	for (i = 0; !err && i < nr; i++) {
		struct srec_map m = {
			.start = ms[i].start, .end = ms[i].end,
			.pgoff = ms[i].pgoff, .path_len = strlen(ms[i].path),
		};

		err = buf__append(&b, &m, sizeof(m)) ?:
		      buf__append(&b, ms[i].path, m.path_len + 1) ?:
		      buf__pad8(&b);
	}
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_PROCESS, 0, b.data,
					      b.len);
	buf__free(&b);
	return err;
}

static int add_perfmap(struct rec_writer *w)
{
	struct srec_perfmap h = {
		.pid = PID, .ns_pid = PID, .file_size = strlen(perfmap),
	};
	struct buf b = { 0 };
	int err;

	err = buf__append(&b, &h, sizeof(h)) ?:
	      buf__append(&b, perfmap, strlen(perfmap)) ?:
	      rec_writer__add_section_z(w, SREC_SEC_PERFMAP, 0, b.data, b.len);
	buf__free(&b);
	return err;
}

/*
 * The JIT's dump, as a process whose pid in its namespace is 1 kept it:
 * the samples at JIT_START + 0x10 (times 1002 and 1006) fall in "main"
 * and, once it is replaced at 1004, in "main2"; the one at JIT_START +
 * 0x110 in "foo", moved there at 950.  Stored uncompressed, so that
 * mutations reach the jitdump parser.
 */
static int add_jitdump(struct rec_writer *w)
{
	static const struct jd_entry lines[] = {
		{ JIT_START + 0x40, 9, "/app/lib.js" },
		{ JIT_START, 1, "/app/index.js" },
		{ JIT_START + 0x8, 2, NULL },
	};
	static const char path[] = "/tmp/jit-1.dump";
	struct srec_jitdump h = {
		.pid = PID, .ns_pid = 1, .time_ns = 2000,
		.path_size = (sizeof(path) + 7) & ~7UL,
	};
	struct buf d = { 0 }, b = { 0 };
	int err;

	jd_header(&d, JITDUMP_MAGIC, JITDUMP_VERSION, 0);
	jd_debug(&d, 900, JIT_START, lines, ARRAY_SIZE(lines));
	jd_load(&d, 900, JIT_START, NULL, 0x100, 1,
		"LazyCompile:*main /app/index.js:1");
	jd_load(&d, 910, JIT_START + 0x200, NULL, 0x80, 2, "Function:*foo");
	jd_move(&d, 950, 2, JIT_START + 0x200, JIT_START + 0x100, 0x80);
	jd_load(&d, 1004, JIT_START, NULL, 0x80, 3, "LazyCompile:*main2");
	jd_unwinding(&d, 1005, 16, 8, 16);
	h.file_size = d.len;
	err = buf__append(&b, &h, sizeof(h)) ?:
	      buf__append(&b, path, sizeof(path)) ?: buf__pad8(&b) ?:
	      buf__append(&b, d.data, d.len) ?:
	      rec_writer__add_section(w, SREC_SEC_JITDUMP, 0, b.data, b.len);
	buf__free(&b);
	buf__free(&d);
	return err;
}

static int add_samples(struct rec_writer *w, unsigned int *nr)
{
	static const __u64 k[2] = { 0xffffffff81001010ULL,
				    0xffffffffc0001020ULL };
	static const __u64 u[][3] = {
		{ EXE_START + 0x1150, EXE_START + 0x1080, EXE_START + 0x10 },
		{ VDSO_START + 0x618, EXE_START + 0x1160, 0 },
		{ JIT_START + 0x10, JIT_START + 0x110, EXE_START + 0x1080 },
		{ 0x1000, EXE_START + 0x1150, 0 },
	};
	unsigned char rec[512];
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < 8; i++) {
		bool kern = i % 4 == 3;
		size_t len = make_sample(rec, 1000 + i, i % 2, PID, PID + i % 2,
					 kern ? SONDE_CTX_KERNEL :
					 SONDE_CTX_USER,
					 SONDE_SAMPLE_USER_REGS, k,
					 kern ? 2 : 0, u[i % 4], 3);

		err = rec_writer__append_records(w, i % 2, rec, len);
	}
	if (!err)
		err = rec_writer__append_records(w, 0, rec,
						 make_lost(rec, 2000, 0, 3));
	*nr = i;
	return err;
}

static size_t make_task(void *buf, __u32 type, __u64 time_ns, __u32 tid,
			__u32 child_tid, const char *comm, const char *path)
{
	struct sonde_task_event *e = buf;
	size_t plen = path ? strlen(path) + 1 : 0;
	size_t size = (sizeof(*e) + plen + 7) & ~7UL;

	memset(e, 0, size);
	e->hdr.type = type;
	e->hdr.size = size;
	e->time_ns = time_ns;
	e->pid = PID;
	e->tid = tid;
	e->child_pid = child_tid ? PID : 0;
	e->child_tid = child_tid;
	e->path_size = plen;
	snprintf(e->comm, sizeof(e->comm), "%s", comm);
	if (plen)
		memcpy(e->path, path, plen);
	return size;
}

static size_t make_mmap(void *buf, __u64 time_ns, __u64 start, __u64 end,
			const char *path, __u16 flags)
{
	struct sonde_mmap_event *m = buf;
	size_t plen = strlen(path) + 1;
	size_t size = (sizeof(*m) + plen + 7) & ~7UL;

	memset(m, 0, size);
	m->hdr.type = SONDE_RECORD_MMAP;
	m->hdr.size = size;
	m->time_ns = time_ns;
	m->pid = PID;
	m->tid = PID;
	m->start = start;
	m->end = end;
	m->flags = flags;
	m->path_size = plen;
	memcpy(m->path, path, plen);
	return size;
}

/* A thread forks, is renamed, maps a library, execs and exits. */
static int add_events(struct rec_writer *w)
{
	struct srec_records hdr = { .cpu = 0 };
	unsigned char rec[512];
	struct buf b = { 0 };
	int err;

	err = buf__append(&b, &hdr, sizeof(hdr)) ?:
	      buf__append(&b, rec, make_task(rec, SONDE_RECORD_FORK, 600, PID,
					      PID + 1, "seed", NULL)) ?:
	      buf__append(&b, rec, make_task(rec, SONDE_RECORD_COMM, 700,
					      PID + 1, 0, "worker", NULL)) ?:
	      buf__append(&b, rec, make_mmap(rec, 800, LIB_START,
					      LIB_START + 0x1000,
					      "/usr/lib/libseed.so", 0)) ?:
	      buf__append(&b, rec, make_task(rec, SONDE_RECORD_EXEC, 1004,
					      PID, 0, "seed2",
					      "/usr/bin/seed2")) ?:
	      buf__append(&b, rec, make_mmap(rec, 1004, EXE_START,
					      EXE_START + 0x2000,
					      "/usr/bin/seed2",
					      SONDE_MMAP_EXEC)) ?:
	      buf__append(&b, rec, make_task(rec, SONDE_RECORD_EXIT, 1006,
					      PID + 1, 0, "worker", NULL)) ?:
	      rec_writer__add_section(w, SREC_SEC_EVENTS, 0, b.data, b.len);
	buf__free(&b);
	return err;
}

static int write_seed(const char *dir, const char *name, const char *vdso,
		      size_t vdso_len, unsigned int with)
{
	const struct map_spec maps[] = {
		{ "/usr/bin/seed", EXE_START, EXE_START + 0x2000, 0 },
		{ "[vdso]", VDSO_START, VDSO_START + 0x2000, 0 },
		{ "//anon", JIT_START, JIT_START + 0x10000, 0 },
	};
	struct rec_writer *w;
	unsigned int nr = 0;
	char path[4096];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	err = rec_writer__add_section(w, SREC_SEC_KALLSYMS, 0, kallsyms,
				      strlen(kallsyms));
	if (!err && (with & SEED_VDSO))
		err = rec_writer__add_section(w, SREC_SEC_VDSO, 0, vdso,
					      vdso_len);
	if (!err)
		err = add_samples(w, &nr) ?:
		      add_maps(w, maps, ARRAY_SIZE(maps)) ?:
		      add_perfmap(w);
	if (!err && (with & SEED_EVENTS))
		err = add_events(w);
	if (!err && (with & SEED_JITDUMP))
		err = add_jitdump(w);
	return rec_file_finish(w, fd, nr, err);
}

int main(int argc, char **argv)
{
	char *vdso;
	size_t vdso_len;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: gen-recording OUTDIR VDSO-IMAGE\n");
		return 2;
	}
	err = read_file(argv[2], &vdso, &vdso_len);
	if (!err)
		err = write_seed(argv[1], "small.sonde", vdso, vdso_len,
				 SEED_VDSO) ?:
		      write_seed(argv[1], "events.sonde", vdso, vdso_len,
				 SEED_VDSO | SEED_EVENTS) ?:
		      write_seed(argv[1], "jitdump.sonde", vdso, vdso_len,
				 SEED_JITDUMP);
	if (err) {
		fprintf(stderr, "gen-recording: %s\n", strerror(-err));
		return 1;
	}
	free(vdso);
	return 0;
}
