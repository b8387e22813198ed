// SPDX-License-Identifier: GPL-2.0
/*
 * ELF symbol coverage of the symbolizer: PLT entries, symbols bounded by
 * their section, MiniDebugInfo (and hostile .gnu_debugdata), C++ and
 * Rust demangling.  Each case builds small ELF files with the host's
 * gcc, g++, binutils, xz (and rustc, when present) in a fresh directory,
 * loads them with dso__load() and checks what dso__lookup() names; the
 * expected addresses come from the files' own section headers and from
 * objdump and nm, which find them independently of sonde.
 */
#include "kselftest_harness.h"

#include "helpers.h"
#include "symbolize/dso.h"
#include "symbolize/minidebug.h"

#include <gelf.h>
#include <stdarg.h>

#define RUSTC		"/root/.cargo/bin/rustc"
#define MAP_BASE	0x555555554000ULL

/* Run the shell command @fmt in directory @dir; 0 when it succeeded. */
static int __attribute__((format(printf, 2, 3)))
sh(const char *dir, const char *fmt, ...)
{
	char *cmd, *full;
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	n = asprintf(&full, "cd '%s' && { %s; } >/dev/null 2>&1", dir, cmd);
	free(cmd);
	if (n < 0)
		return -1;
	ret = system(full);
	free(full);
	return ret;
}

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

/*
 * The first "ADDR <@label>:" line of `@cmd @file` (objdump -d, or nm
 * when @label is NULL and @nm_name names the symbol) in @dir.
 */
static bool tool_addr(const char *dir, const char *file, const char *label,
		      const char *nm_name, __u64 *addr)
{
	char cmd[1024], line[4096], name[4096], want[600];
	unsigned long long a;
	bool found = false;
	char type;
	FILE *p;

	if (label)
		snprintf(cmd, sizeof(cmd), "cd '%s' && objdump -d '%s'", dir,
			 file);
	else
		snprintf(cmd, sizeof(cmd), "cd '%s' && nm '%s'", dir, file);
	snprintf(want, sizeof(want), "<%s>:", label ? label : "");
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (!found && fgets(line, sizeof(line), p)) {
		if (label)
			found = sscanf(line, "%llx %4095s", &a, name) == 2 &&
				!strcmp(name, want);
		else
			found = sscanf(line, "%llx %c %4095s", &a, &type,
				       name) == 3 && !strcmp(name, nm_name);
	}
	while (fgets(line, sizeof(line), p))
		;
	pclose(p);
	if (found)
		*addr = a;
	return found;
}

/* Address and size of section @name of the ELF file at @path. */
static bool section_of(const char *path, const char *name, __u64 *addr,
		       __u64 *size)
{
	int fd = open(path, O_RDONLY);
	Elf_Scn *scn = NULL;
	bool found = false;
	size_t shstrndx;
	GElf_Shdr sh;
	Elf *elf;

	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			const char *n;

			if (!gelf_getshdr(scn, &sh))
				continue;
			n = elf_strptr(elf, shstrndx, sh.sh_name);
			found = n && !strcmp(n, name);
		}
	}
	if (found) {
		*addr = sh.sh_addr;
		*size = sh.sh_size;
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* The file offset of ELF address @vaddr of the file at @path (PT_LOAD). */
static bool file_offset(const char *path, __u64 vaddr, __u64 *off)
{
	int fd = open(path, O_RDONLY);
	bool found = false;
	size_t i, n;
	Elf *elf;

	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getphdrnum(elf, &n)) {
		for (i = 0; !found && i < n; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(elf, i, &ph) ||
			    ph.p_type != PT_LOAD || vaddr < ph.p_vaddr ||
			    vaddr - ph.p_vaddr >= ph.p_filesz)
				continue;
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			found = true;
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

/*
 * The name dso__lookup() gives ELF address @vaddr of @d (loaded from
 * @path), the file mapped whole at MAP_BASE; "" when none.
 */
static const char *name_at(const struct dso *d, const char *path,
			   __u64 vaddr, __u64 *sym_off)
{
	const char *name;
	__u64 off, got, dummy;

	if (!file_offset(path, vaddr, &off))
		return "(not in a PT_LOAD)";
	if (!sym_off)
		sym_off = &dummy;
	if (!dso__lookup(d, MAP_BASE, 0, MAP_BASE + off, &name, sym_off,
			 &got))
		return "";
	return got == vaddr ? name : "(wrong vaddr)";
}

static char *path_in(const char *dir, const char *file)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, file) < 0 ? NULL : p;
}

/* Load @file of @dir; separate debug files are looked for in @dir/nodebug. */
static struct dso *load(const char *dir, const char *file, bool demangle)
{
	char *path = path_in(dir, file), *root = path_in(dir, "nodebug");
	struct dso *d = NULL;

	if (path && root && dso__load(&d, path, NULL, NULL, 0, root,
				      demangle))
		d = NULL;
	free(path);
	free(root);
	return d;
}

FIXTURE(elf) {
	char *dir;
	char *path;		/* the binary under test */
	struct dso *dso;
};

FIXTURE_SETUP(elf)
{
	self->dir = make_tmpdir();
	ASSERT_NE(NULL, self->dir);
	self->path = NULL;
	self->dso = NULL;
}

FIXTURE_TEARDOWN(elf)
{
	dso__free(self->dso);
	remove_tree(self->dir);
	free(self->dir);
	free(self->path);
}

static const char lib_c[] = "int lib_nop(int x) { return x + 1; }\n";
static const char main_c[] =
	"int lib_nop(int);\n"
	"int main(void)\n"
	"{\n"
	"	int x = 0;\n"
	"	for (int i = 0; i < 10; i++)\n"
	"		x = lib_nop(x);\n"
	"	return x & 1;\n"
	"}\n";

/* The plt_stub case: libnop.so and main calling it, built with @cflags. */
static int build_plt(const char *dir, const char *cflags)
{
	if (write_text(dir, "lib.c", lib_c) || write_text(dir, "main.c", main_c))
		return -1;
	return sh(dir, "gcc -O0 %s -fPIC -shared -o libnop.so lib.c && "
		  "gcc -O0 %s -o main ./main.c -L. -lnop", cflags, cflags);
}

/* The field case: a PLT stub showed as _init+0x40. */
TEST_F(elf, plt_entry)
{
	__u64 plt, plt_size, stub, got_stub, off = 0;

	ASSERT_EQ(0, build_plt(self->dir, ""));
	self->path = path_in(self->dir, "main");
	self->dso = load(self->dir, "main", true);
	ASSERT_NE(NULL, self->dso);
	ASSERT_TRUE(tool_addr(self->dir, "main", "lib_nop@plt", NULL, &stub));
	ASSERT_TRUE(section_of(self->path, ".plt", &plt, &plt_size));
	ASSERT_TRUE(stub >= plt && stub < plt + plt_size);
	EXPECT_STREQ("lib_nop@plt", name_at(self->dso, self->path, stub, &off));
	EXPECT_EQ(0, off);
	EXPECT_STREQ("lib_nop@plt",
		     name_at(self->dso, self->path, stub + 6, &off));
	EXPECT_EQ(6, off);
	/* PLT0 belongs to no function, and certainly not to _init. */
	EXPECT_STREQ("", name_at(self->dso, self->path, plt + 4, NULL));
	/* A PIE's __cxa_finalize goes through .plt.got. */
	if (tool_addr(self->dir, "main", "__cxa_finalize@plt", NULL,
		      &got_stub))
		EXPECT_STREQ("__cxa_finalize@plt",
			     name_at(self->dso, self->path, got_stub + 2,
				     NULL));
}

/* IBT layout: calls go to .plt.sec, .plt keeps the lazy stubs. */
TEST_F(elf, plt_sec)
{
	__u64 sec, sec_size, plt, plt_size, stub;

	if (build_plt(self->dir, "-fcf-protection=full -Wl,-z,ibtplt"))
		SKIP(return, "toolchain cannot build -z ibtplt");
	self->path = path_in(self->dir, "main");
	if (!section_of(self->path, ".plt.sec", &sec, &sec_size))
		SKIP(return, "the linker made no .plt.sec");
	self->dso = load(self->dir, "main", true);
	ASSERT_NE(NULL, self->dso);
	ASSERT_TRUE(tool_addr(self->dir, "main", "lib_nop@plt", NULL, &stub));
	ASSERT_TRUE(stub >= sec && stub < sec + sec_size);
	EXPECT_STREQ("lib_nop@plt", name_at(self->dso, self->path, stub + 4,
					    NULL));
	/* The lazy stub after PLT0 pushes relocation 0: lib_nop's. */
	ASSERT_TRUE(section_of(self->path, ".plt", &plt, &plt_size));
	ASSERT_LE(32, plt_size);
	EXPECT_STREQ("lib_nop@plt", name_at(self->dso, self->path, plt + 20,
					    NULL));
	EXPECT_STREQ("", name_at(self->dso, self->path, plt + 4, NULL));
}

static const char ifunc_c[] =
	"static int impl(int x) { return x + 2; }\n"
	"static int (*resolve_twice(void))(int) { return impl; }\n"
	"static int twice(int) __attribute__((ifunc(\"resolve_twice\")));\n"
	"int call_twice(int x) { return twice(x) + twice(x + 1); }\n";

/*
 * A call to an IFUNC of the same file: its PLT entry's relocation,
 * R_X86_64_IRELATIVE, has no symbol, only the resolver's address, where
 * the IFUNC symbol is.  objdump says "*ABS*+0xADDR@plt".
 */
TEST_F(elf, plt_irelative)
{
	__u64 resolver, plt, plt_size;
	char want[64];

	ASSERT_EQ(0, write_text(self->dir, "if.c", ifunc_c));
	ASSERT_EQ(0, sh(self->dir, "gcc -O1 -fPIC -shared -o libif.so if.c"));
	self->path = path_in(self->dir, "libif.so");
	ASSERT_TRUE(tool_addr(self->dir, "libif.so", NULL, "twice",
			      &resolver));
	ASSERT_TRUE(section_of(self->path, ".plt", &plt, &plt_size));
	ASSERT_LE(32, plt_size);
	self->dso = load(self->dir, "libif.so", true);
	ASSERT_NE(NULL, self->dso);
	/* Whichever entry it is, one is twice@plt. */
	EXPECT_TRUE(!strcmp("twice@plt",
			    name_at(self->dso, self->path, plt + 16, NULL)) ||
		    !strcmp("twice@plt",
			    name_at(self->dso, self->path, plt + 32, NULL)));
	/* Stripped: named as objdump does. */
	ASSERT_EQ(0, sh(self->dir, "strip -o bare libif.so"));
	dso__free(self->dso);
	self->dso = load(self->dir, "bare", true);
	ASSERT_NE(NULL, self->dso);
	snprintf(want, sizeof(want), "*ABS*+0x%llx@plt",
		 (unsigned long long)resolver);
	EXPECT_TRUE(!strcmp(want, name_at(self->dso, self->path, plt + 16,
					  NULL)) ||
		    !strcmp(want, name_at(self->dso, self->path, plt + 32,
					  NULL)));
}

static const char asm_s[] =
	"	.section asm_a,\"ax\",@progbits\n"
	"	.globl asm_a_fn\n"
	"	.type asm_a_fn,@function\n"
	"asm_a_fn:\n"
	"	nop\n"
	"	nop\n"
	"	nop\n"
	"	.globl asm_a2_fn\n"
	"	.type asm_a2_fn,@function\n"
	"asm_a2_fn:\n"
	"	nop\n"
	"	ret\n"
	"	.section asm_b,\"ax\",@progbits\n"
	"	.p2align 12\n"
	"	.globl asm_b_fn\n"
	"	.type asm_b_fn,@function\n"
	"asm_b_fn:\n"
	"	ret\n"
	"	.section .note.GNU-stack,\"\",@progbits\n";

static const char asm_main_c[] =
	"void asm_a_fn(void), asm_b_fn(void);\n"
	"int main(void) { asm_a_fn(); asm_b_fn(); return 0; }\n";

/* Unsized symbols: up to the next symbol or their section's end. */
TEST_F(elf, unsized_bounded_by_section)
{
	__u64 a, a_size, b, b_size, fn, fn2, fini, fini_size, init, init_size;
	__u64 off = 0;

	ASSERT_EQ(0, write_text(self->dir, "f.s", asm_s));
	ASSERT_EQ(0, write_text(self->dir, "main.c", asm_main_c));
	ASSERT_EQ(0, sh(self->dir, "gcc -O0 -o prog main.c f.s"));
	self->path = path_in(self->dir, "prog");
	self->dso = load(self->dir, "prog", true);
	ASSERT_NE(NULL, self->dso);
	ASSERT_TRUE(section_of(self->path, "asm_a", &a, &a_size));
	ASSERT_TRUE(section_of(self->path, "asm_b", &b, &b_size));
	ASSERT_TRUE(tool_addr(self->dir, "prog", NULL, "asm_a_fn", &fn));
	ASSERT_TRUE(tool_addr(self->dir, "prog", NULL, "asm_a2_fn", &fn2));
	ASSERT_EQ(a, fn);
	ASSERT_EQ(a + a_size, fn2 + 2);
	/* The next symbol, in another section, is pages away. */
	ASSERT_LT(a + a_size, b);

	EXPECT_STREQ("asm_a_fn", name_at(self->dso, self->path, fn + 2, &off));
	EXPECT_EQ(2, off);
	EXPECT_STREQ("asm_a2_fn", name_at(self->dso, self->path, fn2 + 1,
					  &off));
	EXPECT_EQ(1, off);
	/* Past asm_a's end: padding, nobody's. */
	EXPECT_STREQ("", name_at(self->dso, self->path, a + a_size, NULL));
	EXPECT_STREQ("", name_at(self->dso, self->path, a + a_size + 16,
				 NULL));
	EXPECT_STREQ("asm_b_fn", name_at(self->dso, self->path, b, NULL));

	/* _init and _fini (crti.o) have no size either. */
	ASSERT_TRUE(section_of(self->path, ".init", &init, &init_size));
	ASSERT_TRUE(section_of(self->path, ".fini", &fini, &fini_size));
	ASSERT_LT(4, fini_size);
	EXPECT_STREQ("_init", name_at(self->dso, self->path, init + 4, NULL));
	EXPECT_STREQ("_fini", name_at(self->dso, self->path, fini + 4, &off));
	EXPECT_EQ(4, off);
}

static const char mini_c[] =
	"static __attribute__((noinline)) int hidden_work(int x)\n"
	"{\n"
	"	return x * 3 + 1;\n"
	"}\n"
	"int main(int argc, char **argv) { return hidden_work(argc) & 1; }\n";

/*
 * The MiniDebugInfo recipe of gdb's manual: the function symbols
 * .dynsym lacks, in a symbol-only ELF file, xz-compressed into
 * .gnu_debugdata of the stripped binary "prog"; "prog.full" stays
 * unstripped, "bare" is stripped without it, "mini.xz" is kept.
 */
static int build_minidebug(const char *dir)
{
	if (write_text(dir, "main.c", mini_c))
		return -1;
	return sh(dir,
		  "mkdir nodebug && gcc -O1 -g -o prog.full main.c && "
		  "nm -D prog.full --format=posix --defined-only | "
		  "awk '{ print $1 }' | sort > dynsyms && "
		  "nm prog.full --format=posix --defined-only | "
		  "awk '$2 == \"T\" || $2 == \"t\" { print $1 }' | "
		  "sort > funcsyms && "
		  "comm -13 dynsyms funcsyms > keep && "
		  "objcopy --only-keep-debug prog.full debug && "
		  "objcopy -S --remove-section .gdb_index "
		  "--remove-section .comment --keep-symbols=keep debug mini && "
		  "xz -k mini && "
		  "strip --strip-all -R .comment -o bare prog.full && "
		  "objcopy --add-section .gnu_debugdata=mini.xz bare prog");
}

TEST_F(elf, minidebuginfo)
{
	__u64 fn, sec, size, off = 0;

	ASSERT_EQ(0, build_minidebug(self->dir));
	self->path = path_in(self->dir, "prog");
	ASSERT_FALSE(section_of(self->path, ".symtab", &sec, &size));
	ASSERT_TRUE(section_of(self->path, ".gnu_debugdata", &sec, &size));
	ASSERT_TRUE(tool_addr(self->dir, "prog.full", NULL, "hidden_work",
			      &fn));
	self->dso = load(self->dir, "prog", true);
	ASSERT_NE(NULL, self->dso);
	EXPECT_STREQ("hidden_work", name_at(self->dso, self->path, fn + 1,
					    &off));
	EXPECT_EQ(1, off);
	/* Without it, the stripped file does not know the name. */
	dso__free(self->dso);
	self->dso = load(self->dir, "bare", true);
	ASSERT_NE(NULL, self->dso);
	EXPECT_STRNE("hidden_work", name_at(self->dso, self->path, fn + 1,
					    NULL));
}

static int read_all(const char *dir, const char *file, char **data,
		    size_t *len)
{
	char *path = path_in(dir, file);
	int err = path ? read_file(path, data, len) : -ENOMEM;

	free(path);
	return err;
}

/* Hostile .gnu_debugdata: refused by the decoder, the file still loads. */
TEST_F(elf, minidebuginfo_corrupt)
{
	static const struct {
		const char *name;
		const char *make;	/* makes bad.xz */
		int err;
	} cases[] = {
		{ "random bytes", "head -c 4096 /dev/urandom > bad.xz",
		  -EINVAL },
		{ "truncated xz",
		  "head -c $(($(stat -c %s mini.xz) / 2)) mini.xz > bad.xz",
		  -EINVAL },
		{ "xz bomb", "head -c $((64 * 1048576 + 4096)) /dev/zero | "
		  "xz -0 > bad.xz", -EFBIG },
	};
	size_t len, out_size, i;
	char *xz, *elf_xz;
	void *out = NULL;
	__u64 fn;

	/* The cap: MINIDEBUG_MAX_SIZE below is what "xz bomb" exceeds. */
	ASSERT_EQ(64UL << 20, MINIDEBUG_MAX_SIZE);
	ASSERT_EQ(0, build_minidebug(self->dir));
	self->path = path_in(self->dir, "bad");
	ASSERT_TRUE(tool_addr(self->dir, "prog.full", NULL, "hidden_work",
			      &fn));

	/* The good stream, and its size as the exact cap. */
	ASSERT_EQ(0, read_all(self->dir, "mini.xz", &elf_xz, &len));
	ASSERT_EQ(0, minidebug__decompress(elf_xz, len, MINIDEBUG_MAX_SIZE,
					   &out, &out_size));
	ASSERT_LT(4, out_size);
	EXPECT_EQ(0, memcmp(out, ELFMAG, SELFMAG));
	free(out);
	EXPECT_EQ(0, minidebug__decompress(elf_xz, len, out_size, &out,
					   &out_size));
	free(out);
	EXPECT_EQ(-EFBIG, minidebug__decompress(elf_xz, len, out_size - 1,
						&out, &out_size));
	free(elf_xz);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, sh(self->dir, "%s && rm -f bad && objcopy "
				"--add-section .gnu_debugdata=bad.xz bare bad",
				cases[i].make)) TH_LOG("%s", cases[i].name);
		ASSERT_EQ(0, read_all(self->dir, "bad.xz", &xz, &len));
		EXPECT_EQ(cases[i].err,
			  minidebug__decompress(xz, len, MINIDEBUG_MAX_SIZE,
						&out, &out_size))
			TH_LOG("%s", cases[i].name);
		free(xz);
		self->dso = load(self->dir, "bad", true);
		ASSERT_NE(NULL, self->dso) TH_LOG("%s", cases[i].name);
		EXPECT_STRNE("hidden_work", name_at(self->dso, self->path,
						    fn, NULL));
		dso__free(self->dso);
		self->dso = NULL;
	}
}

static const char cxx_cc[] =
	"namespace ns {\n"
	"__attribute__((noinline)) int foo(int x) { return x * 7; }\n"
	"}\n"
	"int main(int argc, char **) { return ns::foo(argc) & 1; }\n";

TEST_F(elf, cxx_demangle)
{
	__u64 fn;

	ASSERT_EQ(0, write_text(self->dir, "m.cc", cxx_cc));
	ASSERT_EQ(0, sh(self->dir, "g++ -O1 -o prog m.cc"));
	self->path = path_in(self->dir, "prog");
	ASSERT_TRUE(tool_addr(self->dir, "prog", NULL, "_ZN2ns3fooEi", &fn));
	self->dso = load(self->dir, "prog", true);
	ASSERT_NE(NULL, self->dso);
	EXPECT_STREQ("ns::foo(int)", name_at(self->dso, self->path, fn, NULL));
	dso__free(self->dso);
	self->dso = load(self->dir, "prog", false);
	ASSERT_NE(NULL, self->dso);
	EXPECT_STREQ("_ZN2ns3fooEi", name_at(self->dso, self->path, fn, NULL));
}

/* Demangled forms as c++filt (binutils 2.40) prints them, hash dropped. */
TEST(demangle_strings)
{
	static const char * const good[][2] = {
		{ "_ZN2ns3fooEi", "ns::foo(int)" },
		{ "_ZNSt6vectorIiSaIiEE9push_backERKi",
		  "std::vector<int, std::allocator<int> >::push_back(int const&)" },
		/* Rust legacy: an Itanium-like path ending in a hash. */
		{ "_ZN4core3fmt5write17h0123456789abcdefE",
		  "core::fmt::write" },
		{ "_ZN1r9spin_work17hca32a668c4092586E", "r::spin_work" },
		/* Rust v0. */
		{ "_RNvCs6GmmlP4bgsG_1r9spin_work", "r::spin_work" },
		{ "_RNvNtCs1234_7mycrate3foo3bar", "mycrate::foo::bar" },
	};
	static const char * const bad[] = {
		"main", "_ZN3foo", "_Rgarbage", "_Z", "_R", "", "_ZZZZ",
	};
	char *deep, *s;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		s = dso__demangle(good[i][0]);
		EXPECT_STREQ(good[i][1], s ? s : "(null)");
		free(s);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(NULL, dso__demangle(bad[i])) TH_LOG("bad[%zu]", i);

	/* Nesting past libiberty's recursion limit, within the length cap. */
	deep = malloc(DSO_DEMANGLE_MAX + 64);
	ASSERT_NE(NULL, deep);
	n = sprintf(deep, "_Z1f");
	for (i = 0; i < 3000; i++)
		n += sprintf(deep + n, "A1_");
	strcpy(deep + n, "i");
	ASSERT_GE(DSO_DEMANGLE_MAX, strlen(deep));
	EXPECT_EQ(NULL, dso__demangle(deep));
	n = sprintf(deep, "_RNv");
	for (i = 0; i < 5000; i++)
		n += sprintf(deep + n, "Nt");
	strcpy(deep + n, "C1a1b");
	EXPECT_EQ(NULL, dso__demangle(deep));
	/* Longer than the cap: not even tried. */
	memset(deep, 'P', DSO_DEMANGLE_MAX + 16);
	memcpy(deep, "_Z1f", 4);
	strcpy(deep + DSO_DEMANGLE_MAX + 16, "i");
	EXPECT_EQ(NULL, dso__demangle(deep));
	free(deep);
}

static const char rust_rs[] =
	"#[inline(never)]\n"
	"fn spin_work(x: u64) -> u64 {\n"
	"    let mut y = x;\n"
	"    for i in 0..1000 { y = y.wrapping_mul(31).wrapping_add(i); }\n"
	"    y\n"
	"}\n"
	"fn main() {\n"
	"    let n = std::env::args().count() as u64;\n"
	"    std::process::exit((spin_work(n) & 1) as i32);\n"
	"}\n";

/* The mangled name of the symbol of @file containing @part, from nm. */
static bool nm_find(const char *dir, const char *file, const char *part,
		    char *name, size_t size, __u64 *addr)
{
	char cmd[1024], line[4096], sym[4096];
	unsigned long long a;
	bool found = false;
	char type;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "cd '%s' && nm '%s'", dir, file);
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p)) {
		if (found || sscanf(line, "%llx %c %4095s", &a, &type,
				    sym) != 3 || !strstr(sym, part))
			continue;
		snprintf(name, size, "%s", sym);
		*addr = a;
		found = true;
	}
	pclose(p);
	return found;
}

TEST_F(elf, rust_demangle)
{
	/* The default is legacy (naming it needs -Z unstable-options). */
	static const char * const schemes[] = {
		"", "-C symbol-mangling-version=v0",
	};
	char raw[512];
	size_t i;
	__u64 fn;

	if (access(RUSTC, X_OK))
		SKIP(return, "no rustc at " RUSTC);
	ASSERT_EQ(0, write_text(self->dir, "r.rs", rust_rs));
	for (i = 0; i < ARRAY_SIZE(schemes); i++) {
		if (sh(self->dir, RUSTC " -C opt-level=1 %s -o r r.rs",
		       schemes[i]))
			SKIP(return, "rustc %s cannot build here", schemes[i]);
		free(self->path);
		self->path = path_in(self->dir, "r");
		ASSERT_TRUE(nm_find(self->dir, "r", "spin_work", raw,
				    sizeof(raw), &fn));
		EXPECT_EQ(i ? 'R' : 'Z', raw[1]) TH_LOG("%s", raw);
		self->dso = load(self->dir, "r", true);
		ASSERT_NE(NULL, self->dso);
		EXPECT_STREQ("r::spin_work", name_at(self->dso, self->path,
						     fn, NULL));
		dso__free(self->dso);
		self->dso = load(self->dir, "r", false);
		ASSERT_NE(NULL, self->dso);
		EXPECT_STREQ(raw, name_at(self->dso, self->path, fn, NULL));
		dso__free(self->dso);
		self->dso = NULL;
	}
}

/*
 * A recording of one process mapping @bin whole at MAP_BASE, with one
 * user sample at each ELF address of @vaddrs (@n of them).
 */
static int write_rec(const char *rec, const char *bin, const __u64 *vaddrs,
		     unsigned int n)
{
	unsigned char buf[256];
	struct rec_writer *w;
	unsigned int i;
	int fd, err;
	__u64 u;

	err = rec_file_create(rec, &w, &fd);
	if (err)
		return err;
	for (i = 0; !err && i < n; i++) {
		size_t len;

		if (!file_offset(bin, vaddrs[i], &u)) {
			err = -EINVAL;
			break;
		}
		u += MAP_BASE;
		len = make_sample(buf, 1000 + i, 0, 4242, 4242, SONDE_CTX_USER,
				  SONDE_SAMPLE_USER_REGS, NULL, 0, &u, 1);
		err = rec_writer__append_records(w, 0, buf, len);
	}
	if (!err)
		err = add_process(w, 4242, "prog", 5000, bin, MAP_BASE,
				  MAP_BASE + 0x100000, 0, NULL, 0);
	return rec_file_finish(w, fd, n, err);
}

/* sonde report and script, with and without --no-demangle. */
TEST_F(elf, cli_no_demangle)
{
	char *rec = path_in(self->dir, "rec.data");
	char *rep[] = { "sonde", "report", "-i", rec, NULL, NULL };
	char *scr[] = { "sonde", "script", "-i", rec, NULL, NULL };
	struct buf out = { 0 }, err = { 0 };
	__u64 fn;

	ASSERT_EQ(0, write_text(self->dir, "m.cc", cxx_cc));
	ASSERT_EQ(0, sh(self->dir, "g++ -O1 -o prog m.cc"));
	self->path = path_in(self->dir, "prog");
	ASSERT_TRUE(tool_addr(self->dir, "prog", NULL, "_ZN2ns3fooEi", &fn));
	fn += 1;
	ASSERT_EQ(0, write_rec(rec, self->path, &fn, 1));

	ASSERT_EQ(0, run_sonde(rep, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(out.data, "[.] ns::foo(int)"))
		TH_LOG("%s", out.data);
	ASSERT_EQ(0, run_sonde(scr, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(out.data, " ns::foo(int)+0x1 ("))
		TH_LOG("%s", out.data);

	rep[4] = "--no-demangle";
	scr[4] = "--no-demangle";
	ASSERT_EQ(0, run_sonde(rep, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(out.data, "[.] _ZN2ns3fooEi"))
		TH_LOG("%s", out.data);
	EXPECT_EQ(NULL, strstr(out.data, "ns::foo"));
	ASSERT_EQ(0, run_sonde(scr, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(out.data, " _ZN2ns3fooEi+0x1 ("))
		TH_LOG("%s", out.data);
	buf__free(&out);
	buf__free(&err);
	free(rec);
}

/* The plt_stub case end to end: report names the stub lib_nop@plt. */
TEST_F(elf, cli_plt_stub)
{
	char *rec = path_in(self->dir, "rec.data");
	char *rep[] = { "sonde", "report", "-i", rec, NULL };
	struct buf out = { 0 }, err = { 0 };
	__u64 stub[2];

	ASSERT_EQ(0, build_plt(self->dir, ""));
	self->path = path_in(self->dir, "main");
	ASSERT_TRUE(tool_addr(self->dir, "main", "lib_nop@plt", NULL,
			      &stub[0]));
	stub[1] = stub[0] + 6;
	ASSERT_EQ(0, write_rec(rec, self->path, stub, 2));
	ASSERT_EQ(0, run_sonde(rep, NULL, &out, &err)) TH_LOG("%s", err.data);
	EXPECT_NE(NULL, strstr(out.data, "[.] lib_nop@plt"))
		TH_LOG("%s", out.data);
	EXPECT_EQ(NULL, strstr(out.data, "_init"));
	buf__free(&out);
	buf__free(&err);
	free(rec);
}

TEST_HARNESS_MAIN
