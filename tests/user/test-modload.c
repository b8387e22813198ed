// SPDX-License-Identifier: GPL-2.0
/*
 * Why a kernel would refuse sonde.ko (record/modload.h), from fake
 * /proc and /sys trees: modules disabled, lockdown, forced signatures,
 * and nothing said when none of them holds or the files are absent.
 */
#include "kselftest_harness.h"

#include <sys/stat.h>

#include "helpers.h"
#include "record/modload.h"

static void put(const char *root, const char *path, const char *text)
{
	char full[512], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (slash = strchr(full + strlen(root) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(full, 0700);
		*slash = '/';
	}
	f = fopen(full, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(reasons)
{
	char *root = make_tmpdir(), why[256];

	ASSERT_NE(NULL, root);
	EXPECT_EQ(0, modload__refusal(root, why, sizeof(why)));
	put(root, "/proc/sys/kernel/modules_disabled", "0\n");
	put(root, "/sys/kernel/security/lockdown",
	    "[none] integrity confidentiality\n");
	put(root, "/sys/module/module/parameters/sig_enforce", "N\n");
	EXPECT_EQ(0, modload__refusal(root, why, sizeof(why)));
	put(root, "/sys/module/module/parameters/sig_enforce", "Y\n");
	ASSERT_EQ(1, modload__refusal(root, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "sig_enforce"));
	put(root, "/sys/kernel/security/lockdown",
	    "none [integrity] confidentiality\n");
	ASSERT_EQ(1, modload__refusal(root, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "locked down (integrity"));
	EXPECT_NE(NULL, strstr(why, "Secure Boot"));
	put(root, "/proc/sys/kernel/modules_disabled", "1\n");
	ASSERT_EQ(1, modload__refusal(root, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "modules_disabled=1"));
	remove_tree(root);
	free(root);
}

TEST_HARNESS_MAIN
