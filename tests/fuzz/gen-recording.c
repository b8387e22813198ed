// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed of the recording fuzz target (make-seeds.sh runs it):
 * a small but complete recording through the tool's real writer, with a
 * section of every kind the readers parse and samples that reach each
 * symbolizer path: kernel frames in the KALLSYMS text, user frames in a
 * mapped file, the vDSO (its image in the VDSO section) and JIT code a
 * PERFMAP section names, and one in no mapping.  Metadata sections are
 * stored uncompressed where the format allows, so that mutations reach
 * their parsers.
 *
 * Usage: gen-recording OUT VDSO-IMAGE
 */
#include "helpers.h"

#define PID		4242
#define EXE_START	0x555555554000ULL
#define VDSO_START	0x7ffff7fc1000ULL
#define JIT_START	0x7f0000000000ULL

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

int main(int argc, char **argv)
{
	const struct map_spec maps[] = {
		{ "/usr/bin/seed", EXE_START, EXE_START + 0x2000, 0 },
		{ "[vdso]", VDSO_START, VDSO_START + 0x2000, 0 },
		{ "//anon", JIT_START, JIT_START + 0x10000, 0 },
	};
	struct rec_writer *w;
	unsigned int nr = 0;
	char *vdso;
	size_t vdso_len;
	int fd, err;

	if (argc != 3) {
		fprintf(stderr, "usage: gen-recording OUT VDSO-IMAGE\n");
		return 2;
	}
	err = read_file(argv[2], &vdso, &vdso_len);
	if (!err)
		err = rec_file_create(argv[1], &w, &fd);
	if (err) {
		fprintf(stderr, "gen-recording: %s\n", strerror(-err));
		return 1;
	}
	err = rec_writer__add_section(w, SREC_SEC_KALLSYMS, 0, kallsyms,
				      strlen(kallsyms)) ?:
	      rec_writer__add_section(w, SREC_SEC_VDSO, 0, vdso, vdso_len) ?:
	      add_samples(w, &nr) ?:
	      add_maps(w, maps, ARRAY_SIZE(maps)) ?:
	      add_perfmap(w);
	err = rec_file_finish(w, fd, nr, err);
	free(vdso);
	if (err) {
		fprintf(stderr, "gen-recording: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
