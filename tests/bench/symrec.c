// SPDX-License-Identifier: GPL-2.0
/*
 * A synthetic recording for the symbolization benchmark
 * (tests/bench/symbolize.sh): one process that maps BIN, with NSAMPLES
 * leaf samples that walk the addresses of ADDRS in turn, so that each of
 * them is sampled NSAMPLES / (number of addresses) times or so.
 *
 *   symrec [-p] BIN ADDRS NSAMPLES OUT
 *
 * ADDRS holds one ELF virtual address of BIN per line, in hex with or
 * without 0x, as addr2line reads them.  The file is mapped whole at a
 * fixed base from file offset 0, with its build-id, as the recorder
 * would write it; each address becomes the runtime address of its file
 * offset (through BIN's PT_LOAD headers).  Deterministic.
 *
 * With -p, OUT is a perf.data file instead (perf's own format, for perf
 * script and perf report) of the same process, mapping and samples: a
 * cpu-clock event, one COMM and one MMAP2 record (with the build-id), then
 * user samples as perf record --call-graph dwarf writes them, the sampled
 * address in the user registers and 8 bytes of stack: the perf measured
 * here (6.1) adds inline frames only to the frames of its DWARF unwinder,
 * and shows none in a frame-pointer call chain.  Run perf with
 * --max-stack 1: the unwinder then stops at the sampled address, read
 * from the registers, and unwinds nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/perf_regs.h>
#include <linux/perf_event.h>
#include <sys/mman.h>

#include "lib/buildid.h"
#include "recording/recording.h"
#include "lib/util.h"

#define BASE		0x7f0000000000ULL
#define PID		4242
#define MAX_LOADS	16
#define COMM		"bench"
#define PERIOD_NS	1001001		/* 1 / 999 Hz, as sonde prints it */

struct bin {
	const char *path;
	__u64 size;
	unsigned char build_id[24];
	int build_id_size;
	struct {
		__u64 vaddr, offset, filesz;
	} loads[MAX_LOADS];
	unsigned int nr_loads;
};

static int load_bin(struct bin *b)
{
	unsigned char id[BUILD_ID_MAX];
	size_t nr, i;
	Elf *elf;
	int fd, n;

	elf_version(EV_CURRENT);
	fd = open(b->path, O_RDONLY);
	if (fd < 0)
		return -errno;
	b->size = lseek(fd, 0, SEEK_END);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getphdrnum(elf, &nr)) {
		close(fd);
		return -ENOEXEC;
	}
	for (i = 0; i < nr && b->nr_loads < MAX_LOADS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		b->loads[b->nr_loads].vaddr = ph.p_vaddr;
		b->loads[b->nr_loads].offset = ph.p_offset;
		b->loads[b->nr_loads].filesz = ph.p_filesz;
		b->nr_loads++;
	}
	n = buildid__from_elf(elf, id, sizeof(id));
	if (n > 0 && n <= (int)sizeof(b->build_id)) {
		memcpy(b->build_id, id, n);
		b->build_id_size = n;
	}
	elf_end(elf);
	close(fd);
	return b->nr_loads ? 0 : -ENOEXEC;
}

/* The runtime address of ELF address @vaddr, or 0 outside every load. */
static __u64 runtime_addr(const struct bin *b, __u64 vaddr)
{
	unsigned int i;

	for (i = 0; i < b->nr_loads; i++)
		if (vaddr >= b->loads[i].vaddr &&
		    vaddr - b->loads[i].vaddr < b->loads[i].filesz)
			return BASE + vaddr - b->loads[i].vaddr +
			       b->loads[i].offset;
	return 0;
}

static int read_addrs(const struct bin *b, const char *path, __u64 **addrs,
		      size_t *nr)
{
	size_t cap = 0;
	char line[128];
	__u64 *grown;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -errno;
	*addrs = NULL;
	*nr = 0;
	while (fgets(line, sizeof(line), f)) {
		__u64 a = runtime_addr(b, strtoull(line, NULL, 16));

		if (!a)
			continue;
		if (*nr == cap) {
			cap = cap ? 2 * cap : 4096;
			grown = realloc(*addrs, cap * sizeof(*grown));
			if (!grown) {
				fclose(f);
				return -ENOMEM;
			}
			*addrs = grown;
		}
		(*addrs)[(*nr)++] = a;
	}
	fclose(f);
	return *nr ? 0 : -ENODATA;
}

static int add_process(struct rec_writer *w, const struct bin *bin,
		       __u64 time_ns)
{
	struct srec_process ph = { .pid = PID, .time_ns = time_ns,
				   .nr_maps = 1 };
	struct srec_map m = { .start = BASE, .end = BASE + bin->size };
	struct buf b = { 0 };
	int err;

	strcpy(ph.comm, COMM);
	m.end = (m.end + 4095) & ~4095ULL;
	m.path_len = strlen(bin->path);
	m.build_id_size = bin->build_id_size;
	memcpy(m.build_id, bin->build_id, bin->build_id_size);
	err = buf__append(&b, &ph, sizeof(ph));
	if (!err)
		err = buf__append(&b, &m, sizeof(m));
	if (!err)
		err = buf__append(&b, bin->path, m.path_len + 1);
	if (!err)
		err = buf__pad8(&b);
	if (!err)
		err = rec_writer__add_section(w, SREC_SEC_PROCESS, 0, b.data,
					      b.len);
	buf__free(&b);
	return err;
}

static int add_sample(struct rec_writer *w, __u64 time_ns, __u64 ip)
{
	unsigned char rec[sizeof(struct sonde_sample) + 8];
	struct sonde_sample *s = (void *)rec;

	memset(rec, 0, sizeof(rec));
	s->hdr.type = SONDE_RECORD_SAMPLE;
	s->hdr.size = sizeof(rec);
	s->time_ns = time_ns;
	s->pid = PID;
	s->tid = PID;
	s->context = SONDE_CTX_USER;
	s->flags = SONDE_SAMPLE_USER_REGS;
	s->ip = ip;
	s->user_ip = ip;
	s->nr_user = 1;
	s->frames[0] = ip;
	return rec_writer__append_records(w, 0, rec, sizeof(rec));
}

/* perf.data (tools/perf/Documentation/perf.data-file-format.txt). */
#define PERF_MAGIC	0x32454c4946524550ULL	/* "PERFILE2" */
#define PERF_SAMPLE_TYPE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | \
			  PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
			  PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN | \
			  PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER)
/* In the order of their bits, as samples hold them. */
#define PERF_REGS_USER	(1ULL << PERF_REG_X86_SP | 1ULL << PERF_REG_X86_IP)
#define SP		0x7ffc00000000ULL

struct perf_file_section {
	__u64 offset;
	__u64 size;
};

struct perf_file_header {
	__u64 magic;
	__u64 size;
	__u64 attr_size;
	struct perf_file_section attrs;
	struct perf_file_section data;
	struct perf_file_section event_types;
	__u64 adds_features[4];
};

struct perf_file_attr {
	struct perf_event_attr attr;
	struct perf_file_section ids;
};

/* What sample_id_all appends to every other record, for PERF_SAMPLE_TYPE. */
struct perf_sample_id {
	__u32 pid, tid;
	__u64 time;
	__u32 cpu, res;
};

struct perf_comm {
	struct perf_event_header header;
	__u32 pid, tid;
	char comm[8];
	struct perf_sample_id id;
};

struct perf_mmap2 {
	struct perf_event_header header;
	__u32 pid, tid;
	__u64 addr, len, pgoff;
	__u8 build_id_size;
	__u8 res1;
	__u16 res2;
	__u8 build_id[20];
	__u32 prot, flags;
	/* then the path, NUL-padded to 8 bytes, and a perf_sample_id */
};

struct perf_sample {
	struct perf_event_header header;
	__u64 ip;
	__u32 pid, tid;
	__u64 time;
	__u32 cpu, res;
	__u64 period;
	__u64 nr;		/* call chain: none (exclude_callchain_user) */
	__u64 abi;
	__u64 sp, ip_reg;
	__u64 stack_size;
	__u64 stack[1];
	__u64 stack_dyn_size;
};

static int write_perf(int fd, const struct bin *bin, const __u64 *addrs,
		      size_t nr, unsigned long n)
{
	struct perf_file_header fh = { .magic = PERF_MAGIC,
				       .size = sizeof(fh),
				       .attr_size = sizeof(struct perf_file_attr) };
	struct perf_file_attr fa = { 0 };
	struct perf_sample_id id = { .pid = PID, .tid = PID, .time = 500 };
	struct perf_comm c = { .header = { PERF_RECORD_COMM, 0, sizeof(c) },
			       .pid = PID, .tid = PID, .comm = COMM };
	struct perf_mmap2 m = { 0 };
	size_t path_len = strlen(bin->path) + 1;
	struct buf b = { 0 };
	unsigned long i;
	int err;

	fa.attr.type = PERF_TYPE_SOFTWARE;
	fa.attr.size = sizeof(fa.attr);
	fa.attr.config = PERF_COUNT_SW_CPU_CLOCK;
	fa.attr.sample_period = PERIOD_NS;
	fa.attr.sample_type = PERF_SAMPLE_TYPE;
	fa.attr.sample_regs_user = PERF_REGS_USER;
	fa.attr.sample_stack_user = sizeof(((struct perf_sample *)0)->stack);
	fa.attr.exclude_kernel = 1;
	fa.attr.exclude_callchain_user = 1;
	fa.attr.sample_id_all = 1;
	fh.attrs.offset = sizeof(fh);
	fh.attrs.size = sizeof(fa);
	fh.data.offset = sizeof(fh) + sizeof(fa);

	c.id = id;
	m.header.type = PERF_RECORD_MMAP2;
	m.header.misc = PERF_RECORD_MISC_USER;
	if (bin->build_id_size) {
		m.header.misc |= PERF_RECORD_MISC_MMAP_BUILD_ID;
		m.build_id_size = min_t(int, bin->build_id_size,
					sizeof(m.build_id));
		memcpy(m.build_id, bin->build_id, m.build_id_size);
	}
	m.header.size = sizeof(m) + ALIGN8(path_len) + sizeof(id);
	m.pid = PID;
	m.tid = PID;
	m.addr = BASE;
	m.len = (bin->size + 4095) & ~4095ULL;
	m.prot = PROT_READ | PROT_EXEC;
	m.flags = MAP_PRIVATE;
	err = buf__append(&b, &c, sizeof(c));
	if (!err)
		err = buf__append(&b, &m, sizeof(m));
	if (!err)
		err = buf__append(&b, bin->path, path_len);
	if (!err)
		err = buf__pad8(&b);
	if (!err)
		err = buf__append(&b, &id, sizeof(id));
	for (i = 0; !err && i < n; i++) {
		struct perf_sample s = {
			.header = { PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER,
				    sizeof(s) },
			.ip = addrs[i % nr], .pid = PID, .tid = PID,
			.time = 1000 + i, .period = PERIOD_NS,
			.abi = PERF_SAMPLE_REGS_ABI_64, .sp = SP,
			.ip_reg = addrs[i % nr], .stack_size = sizeof(s.stack),
			.stack_dyn_size = sizeof(s.stack),
		};

		err = buf__append(&b, &s, sizeof(s));
	}
	if (err) {
		buf__free(&b);
		return err;
	}
	fh.data.size = b.len;
	err = pwrite_all(fd, &fh, sizeof(fh), 0);
	if (!err)
		err = pwrite_all(fd, &fa, sizeof(fa), fh.attrs.offset);
	if (!err)
		err = pwrite_all(fd, b.data, b.len, fh.data.offset);
	buf__free(&b);
	return err;
}

int main(int argc, char **argv)
{
	struct srec_session ss = { .size = sizeof(ss), .frequency = 999 };
	struct bin bin = { 0 };
	struct rec_writer *w;
	unsigned long i, n;
	__u64 *addrs = NULL;
	bool perf = false;
	size_t nr = 0;
	int fd, err;

	if (argc == 6 && !strcmp(argv[1], "-p")) {
		perf = true;
		argc--;
		argv++;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: symrec [-p] BIN ADDRS NSAMPLES OUT\n");
		return 2;
	}
	bin.path = argv[1];
	n = strtoul(argv[3], NULL, 10);
	err = load_bin(&bin);
	if (!err)
		err = read_addrs(&bin, argv[2], &addrs, &nr);
	if (err) {
		fprintf(stderr, "symrec: %s: %s\n", err == -ENODATA ?
			argv[2] : argv[1], strerror(-err));
		return 1;
	}
	fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0 && perf) {
		err = write_perf(fd, &bin, addrs, nr, n);
		close(fd);
		free(addrs);
		if (err) {
			fprintf(stderr, "symrec: %s: %s\n", argv[4],
				strerror(-err));
			return 1;
		}
		return 0;
	}
	if (fd < 0 || rec_writer__new_fd(&w, fd)) {
		perror(argv[4]);
		return 1;
	}
	strcpy(ss.sysname, "Linux");
	strcpy(ss.nodename, "bench");
	err = rec_writer__add_section(w, SREC_SEC_SESSION, 0, &ss,
				      sizeof(ss));
	for (i = 0; !err && i < n; i++)
		err = add_sample(w, 1000 + i, addrs[i % nr]);
	if (!err)
		err = add_process(w, &bin, 1000 + n);
	if (!err) {
		struct srec_end e = { .nr_samples = n };

		err = rec_writer__add_section(w, SREC_SEC_END, 0, &e,
					      sizeof(e));
	}
	if (!err)
		err = rec_writer__finish(w);
	rec_writer__free(w);
	close(fd);
	free(addrs);
	if (err) {
		fprintf(stderr, "symrec: %s: %s\n", argv[4], strerror(-err));
		return 1;
	}
	return 0;
}
