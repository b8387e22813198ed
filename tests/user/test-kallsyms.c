// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel symbol table of a recording (symbolize/kallsyms.c): text as
 * /proc/kallsyms gives it, the core kernel by address and then each
 * module's symbols in their own order.  Every lookup must name the
 * symbol a linear scan of the listed lines names: the last start at or
 * below the address, the first listed of aliases, nothing past the last
 * symbol or more than 1 MiB past a start; so must a table read back from
 * the build cache, which takes an entry only for its own payload and only
 * when the entry is sound.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <zlib.h>
#include <sys/stat.h>

#include "kselftest_harness.h"

#include "helpers.h"
#include "lib/util.h"
#include "symbolize/kallsyms.h"

#define MAX_SPAN	(1ULL << 20)

struct listed {
	__u64 addr;
	char name[24];
	char module[16];
};

/* What a linear scan of @l (in listed order) says of @addr. */
static const struct listed *scan(const struct listed *l, size_t nr,
				 __u64 addr)
{
	const struct listed *best = NULL;
	__u64 last = 0;
	size_t i;

	for (i = 0; i < nr; i++) {
		if (l[i].addr > last)
			last = l[i].addr;
		if (l[i].addr <= addr && (!best || l[i].addr > best->addr))
			best = &l[i];
	}
	if (!best || addr >= last || addr - best->addr > MAX_SPAN)
		return NULL;
	return best;
}

static void expect_lookup(struct __test_metadata *_metadata,
			  const struct kallsyms *ks, const struct listed *l,
			  size_t nr, __u64 addr)
{
	const struct listed *want = scan(l, nr, addr);
	const char *name = NULL, *module = NULL;
	__u64 start = 0;
	bool found = kallsyms__lookup(ks, addr, &name, &start, &module);

	ASSERT_EQ(want != NULL, found) TH_LOG("addr %llx",
					     (unsigned long long)addr);
	if (!want)
		return;
	ASSERT_STREQ(want->name, name) TH_LOG("addr %llx",
					     (unsigned long long)addr);
	ASSERT_STREQ(want->module, module);
	ASSERT_EQ(want->addr, start);
}

/*
 * Modules listed after the core kernel, below and above it and between
 * its symbols; aliases in both parts; lines that are not text symbols or
 * whose address is not 1 to 16 hex digits and a space are skipped.
 */
TEST(module_tail_aliases_and_bad_lines)
{
	static const char text[] =
		"0000000000000000 A fixed_percpu_data\n"
		"ffffffff81000000 T _stext\n"
		"ffffffff81000000 T startup_64\n"
		"ffffffff81000100 t core_b\n"
		"ffffffff81000200 D core_data\n"
		"ffffffff81000300 W core_c\n"
		"ffffffff81000400 T core_end\n"
		"ffffffffc0000100 t mod_x\t[ext4]\n"
		"ffffffffc0000000 t mod_w\t[ext4]\n"
		"ffffffff81000100 t alias_in_tail\t[late]\n"
		"ffffffff81000280 T between\t[kvm]\n"
		"1ffffffff81000380 T seventeen_digits\n"
		" ffffffff81000390 T leading_space\n"
		"0xffffffff81000398 T hex_prefix\n"
		"ffffffff810003a0 T\n"
		"ffffffff810003b0\n"
		"ffffffffc0000200 T mod_end\t[ext4]";
	static const struct listed l[] = {
		{ 0xffffffff81000000ULL, "_stext", "" },
		{ 0xffffffff81000000ULL, "startup_64", "" },
		{ 0xffffffff81000100ULL, "core_b", "" },
		{ 0xffffffff81000300ULL, "core_c", "" },
		{ 0xffffffff81000400ULL, "core_end", "" },
		{ 0xffffffffc0000100ULL, "mod_x", "ext4" },
		{ 0xffffffffc0000000ULL, "mod_w", "ext4" },
		{ 0xffffffff81000100ULL, "alias_in_tail", "late" },
		{ 0xffffffff81000280ULL, "between", "kvm" },
		{ 0xffffffffc0000200ULL, "mod_end", "ext4" },
	};
	const char *name, *module;
	struct kallsyms *ks;
	__u64 start, a;
	size_t i;

	ASSERT_EQ(0, kallsyms__parse(&ks, text, sizeof(text) - 1));
	for (i = 0; i < ARRAY_SIZE(l); i++)
		for (a = l[i].addr - 1; a <= l[i].addr + 1; a++)
			expect_lookup(_metadata, ks, l, ARRAY_SIZE(l), a);
	ASSERT_TRUE(kallsyms__lookup(ks, 0xffffffff81000100ULL, &name,
				     &start, &module));
	EXPECT_STREQ("core_b", name);
	ASSERT_TRUE(kallsyms__lookup(ks, 0xffffffff81000390ULL, &name,
				     &start, &module));
	EXPECT_STREQ("core_c", name);
	EXPECT_FALSE(kallsyms__lookup(ks, 0, &name, &start, &module));
	kallsyms__free(ks);

	/* An empty table, and one of bad lines only. */
	ASSERT_EQ(0, kallsyms__parse(&ks, "", 0));
	EXPECT_FALSE(kallsyms__lookup(ks, 1, &name, &start, &module));
	kallsyms__free(ks);
	ASSERT_EQ(0, kallsyms__parse(&ks, "zz T x\n\n\n", 9));
	EXPECT_FALSE(kallsyms__lookup(ks, 1, &name, &start, &module));
	kallsyms__free(ks);
}

/*
 * A table of random shape: a sorted core, then modules in random order
 * with many repeated addresses, in text of mixed types; 20,000 random
 * addresses and every listed address and its neighbours are looked up
 * and checked against the linear scan.
 */
TEST(random_tables_against_a_linear_scan)
{
	unsigned int seed = 4242, round;
	char *dir = make_tmpdir();

	ASSERT_NE(NULL, dir);

	for (round = 0; round < 8; round++) {
		size_t nr_core = 1 + rand_r(&seed) % 2000;
		size_t nr_tail = rand_r(&seed) % 600;
		size_t nr = 0, i, len = 0;
		struct listed *l = calloc(nr_core + nr_tail, sizeof(*l));
		char *text = malloc((nr_core + nr_tail) * 64 + 1);
		__u64 base = 0xffffffff81000000ULL, addr = base;
		struct kallsyms *ks;

		ASSERT_NE(NULL, l);
		ASSERT_NE(NULL, text);
		for (i = 0; i < nr_core + nr_tail; i++) {
			bool core = i < nr_core;
			char type = "tTwWdDbr"[rand_r(&seed) % 8];
			struct listed *s = &l[nr];

			if (core)
				addr += (rand_r(&seed) % 4) * 0x40 *
					(rand_r(&seed) % 3 ? 1 : 0x1000);
			else if (rand_r(&seed) % 4)
				addr = base + (rand_r(&seed) % (nr_core * 0x80));
			else
				addr = l[rand_r(&seed) % (nr ? nr : 1)].addr;
			if (!addr)
				addr = base;
			len += sprintf(text + len, "%016llx %c s%zu",
				       (unsigned long long)addr, type, i);
			if (!core)
				len += sprintf(text + len, "\t[m%zu]", i % 7);
			text[len++] = '\n';
			if (!strchr("tTwW", type))
				continue;
			s->addr = addr;
			snprintf(s->name, sizeof(s->name), "s%zu", i);
			if (!core)
				snprintf(s->module, sizeof(s->module), "m%zu",
					 i % 7);
			nr++;
		}
		ASSERT_EQ(0, kallsyms__parse(&ks, text, len));
		/* The same table again, through the build cache. */
		if (round % 2) {
			struct kallsyms *parsed = ks;

			ASSERT_EQ(0, kallsyms__to_cache(parsed, dir, 1, text,
							len));
			kallsyms__free(parsed);
			ASSERT_EQ(0, kallsyms__from_cache(&ks, dir, 1, text,
							  len));
		}
		for (i = 0; i < 20000; i++) {
			__u64 a = base - 0x100 + (__u64)rand_r(&seed) %
				  ((nr_core + 8) * 0x80 * 8);

			expect_lookup(_metadata, ks, l, nr, a);
		}
		for (i = 0; i < nr; i++) {
			expect_lookup(_metadata, ks, l, nr, l[i].addr - 1);
			expect_lookup(_metadata, ks, l, nr, l[i].addr);
			expect_lookup(_metadata, ks, l, nr, l[i].addr + 1);
		}
		kallsyms__free(ks);
		free(text);
		free(l);
	}
	remove_tree(dir);
	free(dir);
}

/* The path of the cache entry of @payload under @dir (kallsyms.c's key). */
static void entry_path(char *out, size_t size, const char *dir,
		       const void *payload, size_t len)
{
	snprintf(out, size, "%s/kallsyms/%08lx-%zx-1", dir,
		 crc32_z(0, payload, len), len);
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	size_t n;

	if (!f)
		return -1;
	n = fwrite(data, 1, len, f);
	return fclose(f) || n != len ? -1 : 0;
}

/* Set @path's times to an hour ago. */
static void times_old(const char *path)
{
	struct timespec t[2] = { { time(NULL) - 3600, 0 },
				 { time(NULL) - 3600, 0 } };

	utimensat(AT_FDCWD, path, t, 0);
}

static bool is_old(const char *path)
{
	struct stat st;

	return !stat(path, &st) && st.st_mtime < time(NULL) - 1800;
}

/*
 * A cache entry is used only for the section it was made from, and only
 * when it is sound: another payload's or another flags' entry under this
 * one's key, and entries cut short or with bytes changed, are refused
 * (and removed, so that they are made again) or give a table whose every
 * name is inside the entry (the sanitizer build checks the reads).
 */
TEST(cache_entries_are_checked)
{
	static const char text[] =
		"ffffffff81000000 T _stext\n"
		"ffffffff81000100 t core_b\n"
		"ffffffff81000400 T core_end\n"
		"ffffffffc0000100 t mod_x\t[ext4]\n"
		"ffffffffc0000200 T mod_end\t[ext4]\n";
	char *dir = make_tmpdir(), path[512], other_path[600], *other;
	unsigned int seed = 77, i;
	struct kallsyms *ks, *got;
	const char *name, *module;
	struct buf entry = { 0 };
	size_t len = sizeof(text) - 1;
	__u64 start;
	int fd;

	ASSERT_NE(NULL, dir);
	ASSERT_EQ(-ENOENT, kallsyms__from_cache(&got, dir, 1, text, len));
	ASSERT_EQ(0, kallsyms__parse(&ks, text, len));
	ASSERT_EQ(0, kallsyms__to_cache(ks, dir, 1, text, len));
	EXPECT_EQ(-EEXIST, kallsyms__to_cache(ks, dir, 1, text, len));
	ASSERT_EQ(0, kallsyms__from_cache(&got, dir, 1, text, len));
	ASSERT_TRUE(kallsyms__lookup(got, 0xffffffffc0000150ULL, &name, &start,
				     &module));
	EXPECT_STREQ("mod_x", name);
	EXPECT_STREQ("ext4", module);
	ASSERT_TRUE(kallsyms__lookup(got, 0xffffffff81000180ULL, &name, &start,
				     &module));
	EXPECT_STREQ("core_b", name);
	EXPECT_STREQ("", module);
	kallsyms__free(got);

	/* Another payload (one byte changed) finding this entry: refused. */
	other = strdup(text);
	ASSERT_NE(NULL, other);
	other[20] = 'x';
	entry_path(path, sizeof(path), dir, text, len);
	entry_path(other_path, sizeof(other_path), dir, other, len);
	ASSERT_EQ(0, link(path, other_path));
	EXPECT_EQ(-ENOENT, kallsyms__from_cache(&got, dir, 1, other, len));
	EXPECT_NE(0, access(other_path, F_OK));
	free(other);
	/*
	 * A symlink to a sound entry: not followed (nor its mtime set), and
	 * removed (the link only), so that the entry is written again.
	 */
	snprintf(other_path, sizeof(other_path), "%s.elsewhere", path);
	ASSERT_EQ(0, rename(path, other_path));
	ASSERT_EQ(0, symlink(other_path, path));
	times_old(other_path);
	EXPECT_EQ(-ENOENT, kallsyms__from_cache(&got, dir, 1, text, len));
	EXPECT_TRUE(is_old(other_path));
	EXPECT_NE(0, faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW));
	EXPECT_EQ(0, access(other_path, F_OK));
	ASSERT_EQ(0, rename(other_path, path));
	ASSERT_EQ(0, kallsyms__from_cache(&got, dir, 1, text, len));
	kallsyms__free(got);
	/* The same payload stored with other flags: refused. */
	snprintf(other_path, sizeof(other_path), "%.*s0", (int)strlen(path) - 1,
		 path);
	ASSERT_EQ(0, link(path, other_path));
	EXPECT_EQ(-ENOENT, kallsyms__from_cache(&got, dir, 0, text, len));
	EXPECT_NE(0, access(other_path, F_OK));

	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, buf__append_fd(&entry, fd, 1 << 20, &(bool){ false }));
	close(fd);
	/* Cut short anywhere: refused. */
	for (i = 0; i < entry.len; i++) {
		ASSERT_EQ(0, write_file(path, entry.data, i));
		ASSERT_EQ(-ENOENT, kallsyms__from_cache(&got, dir, 1, text, len))
			TH_LOG("cut to %u of %zu bytes", i, entry.len);
		ASSERT_NE(0, access(path, F_OK));
	}
	/* Removed, so made again. */
	EXPECT_EQ(0, kallsyms__to_cache(ks, dir, 1, text, len));
	/* A byte changed anywhere: refused, or names inside the entry. */
	for (i = 0; i < 4000; i++) {
		size_t at = rand_r(&seed) % entry.len;
		char saved = entry.data[at];
		__u64 a;

		entry.data[at] ^= 1 << (rand_r(&seed) % 8);
		ASSERT_EQ(0, write_file(path, entry.data, entry.len));
		entry.data[at] = saved;
		if (kallsyms__from_cache(&got, dir, 1, text, len))
			continue;
		for (a = 0xffffffff80ffff00ULL; a < 0xffffffff81000500ULL;
		     a += 0x40)
			if (kallsyms__lookup(got, a, &name, &start, &module))
				EXPECT_GT(1000, strlen(name) + strlen(module));
		kallsyms__free(got);
	}
	kallsyms__free(ks);
	buf__free(&entry);
	remove_tree(dir);
	free(dir);
}

/*
 * Every boot's recordings have their own entry: only the 8 used last
 * stay.  Entries are written with mtimes a second apart, oldest first;
 * the oldest left (3) is read, so used, before the 12th is written,
 * which then trims the next oldest (4).
 */
TEST(cache_keeps_the_entries_used_last)
{
	char *dir = make_tmpdir(), text[12][64], path[512];
	struct timespec times[2] = { { 0 }, { 0 } };
	struct kallsyms *ks;
	unsigned int i, left = 0;
	size_t len[12];

	ASSERT_NE(NULL, dir);
	for (i = 0; i < 12; i++) {
		len[i] = snprintf(text[i], sizeof(text[i]),
				  "ffffffff81%06x T boot_%u\n", i * 0x100, i);
		ASSERT_EQ(0, kallsyms__parse(&ks, text[i], len[i]));
		if (i == 11) {
			struct kallsyms *used;

			ASSERT_EQ(0, kallsyms__from_cache(&used, dir, 1,
							  text[3], len[3]));
			kallsyms__free(used);
		}
		ASSERT_EQ(0, kallsyms__to_cache(ks, dir, 1, text[i], len[i]));
		kallsyms__free(ks);
		entry_path(path, sizeof(path), dir, text[i], len[i]);
		/* An hour ago, one second apart. */
		times[0].tv_sec = times[1].tv_sec = time(NULL) - 3600 + i;
		if (i < 11)
			ASSERT_EQ(0, utimensat(AT_FDCWD, path, times, 0));
	}
	for (i = 0; i < 12; i++) {
		bool kept = !kallsyms__from_cache(&ks, dir, 1, text[i],
						   len[i]);

		if (kept)
			kallsyms__free(ks);
		left += kept;
		/* The 7 written last, and the one used. */
		EXPECT_EQ(i >= 5 || i == 3, kept) TH_LOG("entry %u", i);
	}
	EXPECT_EQ(8, left);
	remove_tree(dir);
	free(dir);
}

TEST_HARNESS_MAIN
