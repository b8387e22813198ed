// SPDX-License-Identifier: GPL-2.0
/*
 * Inline frames and source lines from DWARF: a program built here at
 * -O2 -g, where inner() is inlined into middle() and middle() into
 * outer(), is sampled (in a synthetic recording) at a label inside
 * inner's code.  The profile model, folded, report, script and pprof
 * must show inner and middle as frames of their own above outer, each
 * with the line the source says; --no-inline shows outer alone.  The
 * same checks hold for the binary stripped, with its DWARF in a separate
 * debug file found by build-id, and with its DWARF compressed, through
 * the inflated copy the build-id cache keeps of it.
 */
#include <gelf.h>
#include <zlib.h>

#include "kselftest_harness.h"

#include "export/folded.h"
#include "export/pprof.h"
#include "helpers.h"
#include "lib/buildid.h"
#include "profile.pb-c.h"
#include "profile/profile.h"
#include "recording/session.h"
#include "symbolize/symbolizer.h"

#include <stdarg.h>

#define MAP_BASE	0x7f0000000000ULL
#define NR_SAMPLES	3

/*
 * The program, one line per entry: the lines that matter are found by
 * their markers, so the expected numbers come from this text alone.
 */
static const char *const source[] = {
	"static volatile int sink;",
	"static inline __attribute__((always_inline)) void inner(int x)",
	"{",
	"	sink = x;",
	"	__asm__ volatile(\".globl mark_inner\\nmark_inner:\\n\\tnop\"); /* INNER */",
	"	sink = x + 1;",
	"}",
	"static inline __attribute__((always_inline)) void middle(int x)",
	"{",
	"	inner(x * 2); /* MIDDLE */",
	"	sink = x;",
	"}",
	"__attribute__((noinline)) void outer(int x)",
	"{",
	"	middle(x + 1); /* OUTER */",
	"	sink = 0;",
	"}",
	"int main(void)",
	"{",
	"	outer(3);",
	"	return 0;",
	"}",
};

static unsigned int line_of(const char *marker)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(source); i++)
		if (strstr(source[i], marker))
			return i + 1;
	return 0;
}

static int __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* The file offset of symbol @name of the ELF file @path, or 0. */
static __u64 symbol_offset(const char *path, const char *name)
{
	Elf_Scn *scn = NULL;
	__u64 off = 0;
	size_t i, n;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *d = elf_getdata(scn, NULL);
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !d)
			continue;
		for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *sname;

			if (!gelf_getsym(d, i, &s))
				break;
			sname = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!sname || strcmp(sname, name))
				continue;
			/* vaddr to file offset through its PT_LOAD */
			elf_getphdrnum(elf, &n);
			for (size_t j = 0; j < n; j++) {
				GElf_Phdr ph;

				if (gelf_getphdr(elf, j, &ph) &&
				    ph.p_type == PT_LOAD &&
				    s.st_value >= ph.p_vaddr &&
				    s.st_value < ph.p_vaddr + ph.p_filesz)
					off = s.st_value - ph.p_vaddr +
					      ph.p_offset;
			}
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return off;
}

/* A recording of NR_SAMPLES samples at @ip of @bin mapped at MAP_BASE. */
static int write_recording(const char *path, const char *bin, __u64 ip)
{
	unsigned char bid[BUILD_ID_MAX], rec[256];
	__u64 u[1] = { ip };
	struct rec_writer *w;
	int fd, err, n, i;

	fd = open(bin, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = buildid__from_fd(fd, bid, sizeof(bid));
	close(fd);
	if (n <= 0)
		return -ENOEXEC;
	err = rec_file_create(path, &w, &fd);
	if (err)
		return err;
	for (i = 0; !err && i < NR_SAMPLES; i++) {
		size_t len = make_sample(rec, 1000 + i, 0, 300, 300,
					 SONDE_CTX_USER,
					 SONDE_SAMPLE_USER_REGS, NULL, 0, u, 1);

		err = rec_writer__append_records(w, 0, rec, len);
	}
	if (!err)
		err = add_process(w, 300, "inl", 5000, bin, MAP_BASE,
				  MAP_BASE + 0x100000, 0, bid, n);
	return rec_file_finish(w, fd, NR_SAMPLES, err);
}

/* The build-id of the file at @path into @bid and, in hex, @hex. */
static int file_build_id(const char *path, unsigned char *bid, char *hex)
{
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -errno;
	n = buildid__from_fd(fd, bid, BUILD_ID_MAX);
	close(fd);
	if (n > 0)
		buildid__to_hex(bid, n, hex);
	return n;
}

FIXTURE(inl) {
	char *dir;
	char bin[300];
	char rec[300];
	__u64 ip;
	struct buf out, err;
};

FIXTURE_SETUP(inl)
{
	FILE *f;
	size_t i;
	__u64 off;

	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	snprintf(self->bin, sizeof(self->bin), "%s/prog", self->dir);
	snprintf(self->rec, sizeof(self->rec), "%s/rec.data", self->dir);
	{
		char src[300];

		snprintf(src, sizeof(src), "%s/prog.c", self->dir);
		f = fopen(src, "w");
		ASSERT_NE(NULL, f);
		for (i = 0; i < ARRAY_SIZE(source); i++)
			fprintf(f, "%s\n", source[i]);
		fclose(f);
		ASSERT_EQ(0, sh("cd %s && gcc -O2 -g prog.c -o prog", self->dir));
	}
	off = symbol_offset(self->bin, "mark_inner");
	ASSERT_NE(0, off);
	self->ip = MAP_BASE + off;
	ASSERT_EQ(0, write_recording(self->rec, self->bin, self->ip));
	memset(&self->out, 0, sizeof(self->out));
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(inl)
{
	remove_tree(self->dir);
	free(self->dir);
	buf__free(&self->out);
	buf__free(&self->err);
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * The model: one location, outer's, with inner then middle inlined;
 * without lines (report, script, folded), the same functions, no files
 * and no lines.
 */
static void check_model(struct __test_metadata *_metadata,
			const char *rec, bool no_inline, bool no_lines)
{
	struct symbolizer_opts so = { .no_inline = no_inline,
				      .no_lines = no_lines };
	const struct profile_location *loc;
	const struct profile_function *fn;
	struct symbolizer *sym;
	struct session *s;
	struct profile *p;

	ASSERT_EQ(0, session__open(&s, rec));
	ASSERT_EQ(0, symbolizer__new(&sym, s, &so));
	ASSERT_EQ(0, profile__build(&p, s, sym, NULL));
	ASSERT_EQ(1, p->nr_locations);
	loc = &p->locations[0];
	fn = &p->functions[loc->function];
	EXPECT_STREQ("outer", profile__str(p, fn->name));
	EXPECT_STREQ(no_lines ? "" : "prog.c",
		     base(profile__str(p, fn->filename)));
	EXPECT_EQ(no_lines ? 0 : line_of("OUTER"), loc->line);
	if (no_inline) {
		EXPECT_EQ(0, loc->nr_inlined);
	} else {
		ASSERT_EQ(2, loc->nr_inlined);
		fn = &p->functions[p->lines[loc->inlined].function];
		EXPECT_STREQ("inner", profile__str(p, fn->name));
		EXPECT_EQ(no_lines ? 0 : line_of("INNER"),
			  p->lines[loc->inlined].line);
		EXPECT_STREQ(no_lines ? "" : "prog.c",
			     base(profile__str(p, fn->filename)));
		fn = &p->functions[p->lines[loc->inlined + 1].function];
		EXPECT_STREQ("middle", profile__str(p, fn->name));
		EXPECT_EQ(no_lines ? 0 : line_of("MIDDLE"),
			  p->lines[loc->inlined + 1].line);
	}
	profile__free(p);
	symbolizer__free(sym);
	session__close(s);
}

TEST_F(inl, model)
{
	check_model(_metadata, self->rec, false, false);
	check_model(_metadata, self->rec, true, false);
	check_model(_metadata, self->rec, false, true);
	check_model(_metadata, self->rec, true, true);
}

TEST_F(inl, folded_report_script)
{
	char *folded[] = { "sonde", "export", "-i", self->rec, NULL };
	char *flat[] = { "sonde", "export", "-i", self->rec, "--no-inline",
			 NULL };
	char *report[] = { "sonde", "report", "-i", self->rec, NULL };
	char *script[] = { "sonde", "script", "-i", self->rec, NULL };

	ASSERT_EQ(0, run_sonde(folded, NULL, &self->out, &self->err));
	EXPECT_STREQ("inl;outer;middle_[i];inner_[i] 3\n", self->out.data)
		TH_LOG("%s", self->err.data);
	ASSERT_EQ(0, run_sonde(flat, NULL, &self->out, &self->err));
	EXPECT_STREQ("inl;outer 3\n", self->out.data);
	/* The innermost function has the self time. */
	ASSERT_EQ(0, run_sonde(report, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->out.data, "100.00%         3  [.] inner "))
		TH_LOG("%s", self->out.data);
	ASSERT_EQ(0, run_sonde(script, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->out.data, " inner (inlined) ("))
		TH_LOG("%s", self->out.data);
	EXPECT_NE(NULL, strstr(self->out.data, " middle (inlined) ("));
	EXPECT_NE(NULL, strstr(self->out.data, " outer+0x"));
}

/* pprof: one location whose lines are inner, middle, outer (caller last). */
TEST_F(inl, pprof_lines)
{
	char gzpath[320];
	char *argv[] = { "sonde", "export", "-i", self->rec, "-f", "pprof",
			 "-o", gzpath, NULL };
	static const char *const names[] = { "inner", "middle", "outer" };
	const char *const markers[] = { "INNER", "MIDDLE", "OUTER" };
	Perftools__Profiles__Profile *pb;
	const Perftools__Profiles__Location *loc;
	unsigned char *raw;
	size_t i, len = 0;
	gzFile gz;
	int n;

	snprintf(gzpath, sizeof(gzpath), "%s/p.pb.gz", self->dir);
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err))
		TH_LOG("%s", self->err.data);
	raw = malloc(1 << 20);
	ASSERT_NE(NULL, raw);
	gz = gzopen(gzpath, "rb");
	ASSERT_NE(NULL, gz);
	while ((n = gzread(gz, raw + len, (1 << 20) - len)) > 0)
		len += n;
	gzclose(gz);
	pb = perftools__profiles__profile__unpack(NULL, len, raw);
	ASSERT_NE(NULL, pb);
	ASSERT_EQ(1, pb->n_location);
	loc = pb->location[0];
	ASSERT_EQ(3, loc->n_line);
	for (i = 0; i < 3; i++) {
		const Perftools__Profiles__Function *fn =
			pb->function[loc->line[i]->function_id - 1];

		EXPECT_STREQ(names[i], pb->string_table[fn->name]);
		EXPECT_EQ(line_of(markers[i]), loc->line[i]->line);
		EXPECT_STREQ("prog.c", base(pb->string_table[fn->filename]));
	}
	perftools__profiles__profile__free_unpacked(pb, NULL);
	free(raw);
}

/* Stripped: the DWARF comes from the debug file found by build-id. */
TEST_F(inl, separate_debug_file)
{
	char *argv[] = { "sonde", "export", "-i", self->rec, NULL };
	char hex[2 * BUILD_ID_MAX + 1], root[320];
	unsigned char bid[BUILD_ID_MAX];
	int n;

	n = file_build_id(self->bin, bid, hex);
	ASSERT_LT(1, n);
	snprintf(root, sizeof(root), "%s/root", self->dir);
	ASSERT_EQ(0, sh("cd %s && mkdir -p root/.build-id/%.2s && "
			"objcopy --only-keep-debug prog root/.build-id/%.2s/%s.debug && "
			"strip -g prog", self->dir, hex, hex, hex + 2));
	/* Without the debug root: symbols only. */
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ("inl;outer 3\n", self->out.data);
	setenv("SONDE_DEBUG_ROOT", root, 1);
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	unsetenv("SONDE_DEBUG_ROOT");
	EXPECT_STREQ("inl;outer;middle_[i];inner_[i] 3\n", self->out.data)
		TH_LOG("%s", self->err.data);
}

/*
 * Section @name of the ELF file @path: whether it is stored compressed,
 * and its file offset and size; -1 without such a section.
 */
static int section_of(const char *path, const char *name, __u64 *off,
		      __u64 *size)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd, ret = -1;
	Elf *elf;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while ((scn = elf_nextscn(elf, scn))) {
			const char *n;
			GElf_Shdr sh;

			if (!gelf_getshdr(scn, &sh))
				break;
			n = elf_strptr(elf, shstrndx, sh.sh_name);
			if (n && !strcmp(n, name)) {
				*off = sh.sh_offset;
				*size = sh.sh_size;
				ret = !!(sh.sh_flags & SHF_COMPRESSED);
				break;
			}
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

/*
 * Compressed debug sections: the first run keeps an inflated copy in the
 * build-id cache, and later runs read their DWARF from it (so that they
 * still do once the original's compressed DWARF is unreadable).  A cache
 * entry that is not the copy is passed over.
 */
TEST_F(inl, compressed_debug_sections)
{
	static const char *const inlined = "inl;outer;middle_[i];inner_[i] 3\n";
	char *argv[] = { "sonde", "export", "-i", self->rec, NULL };
	char hex[2 * BUILD_ID_MAX + 1], own_hex[2 * BUILD_ID_MAX + 1];
	unsigned char bid[BUILD_ID_MAX], own[BUILD_ID_MAX];
	char cache[320], entry[450];
	__u64 off, size;
	int n;

	n = file_build_id(self->bin, bid, hex);
	ASSERT_LT(1, n);
	snprintf(cache, sizeof(cache), "%s/cache", self->dir);
	snprintf(entry, sizeof(entry), "%s/.build-id/%.2s/%s/dwarf", cache,
		 hex, hex + 2);
	/* objcopy keeps the code and the build-id: the recording still fits. */
	ASSERT_EQ(0, sh("cd %s && objcopy --compress-debug-sections=zlib prog",
			self->dir));
	ASSERT_EQ(1, section_of(self->bin, ".debug_info", &off, &size));
	setenv("SONDE_ARCHIVE_DIR", cache, 1);

	ASSERT_EQ(0, sh("mkdir -p $(dirname %s) && echo junk >%s", entry,
			entry));
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ(inlined, self->out.data) TH_LOG("%s", self->err.data);
	ASSERT_EQ(0, unlink(entry));

	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ(inlined, self->out.data) TH_LOG("%s", self->err.data);
	EXPECT_EQ(0, section_of(entry, ".debug_info", &off, &size));
	EXPECT_EQ(0, section_of(entry, ".debug_line", &off, &size));
	EXPECT_EQ(n, file_build_id(entry, own, own_hex));
	EXPECT_STREQ(hex, own_hex);

	/* The original's .debug_info no longer inflates. */
	ASSERT_EQ(1, section_of(self->bin, ".debug_info", &off, &size));
	ASSERT_LT(64, size);
	ASSERT_EQ(0, sh("printf '%%64s' | tr ' ' '\\377' | dd of=%s bs=1 seek=%llu conv=notrunc status=none",
			self->bin, (unsigned long long)off + 24));
	setenv("SONDE_ARCHIVE_DIR", self->dir, 1);
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ("inl;outer 3\n", self->out.data);
	setenv("SONDE_ARCHIVE_DIR", cache, 1);
	ASSERT_EQ(0, run_sonde(argv, NULL, &self->out, &self->err));
	EXPECT_STREQ(inlined, self->out.data) TH_LOG("%s", self->err.data);
	unsetenv("SONDE_ARCHIVE_DIR");
}

TEST_HARNESS_MAIN
