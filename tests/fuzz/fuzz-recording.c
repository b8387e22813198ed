// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: a recording file through everything that reads it, as
 * "sonde report" and "sonde export" do: the reader and session
 * (recording/), the symbolizer with its kallsyms, perf map and vDSO
 * parsers, the profile builder and every writer, to /dev/null.  The input
 * is the file, handed over by path (a memfd).  Mapped files are looked
 * for under a symfs that does not exist, so that the host's binaries are
 * never read: the elf target fuzzes those parsers.
 */
#include <stdlib.h>

#include "export/chrome.h"
#include "export/folded.h"
#include "export/pprof.h"
#include "export/report.h"
#include "export/script.h"
#include "export/speedscope.h"
#include "export/svg.h"
#include "fuzz.h"
#include "profile/profile.h"
#include "recording/session.h"
#include "symbolize/symbolizer.h"

#define NO_ROOT		"/nonexistent/sonde-fuzz"

static FILE *null_out;

static void write_all(const struct profile *p, const struct session *s)
{
	struct report_opts ro = { .children = true };
	struct svg_opts so = { .reverse = true };
	int i;

	folded__write(p, null_out);
	script__write(p, null_out);
	pprof__write(p, null_out);
	speedscope__write(p, null_out);
	chrome__write(p, null_out);
	svg__write(p, NULL, null_out);
	svg__write(p, &so, null_out);
	for (i = 0; i < REPORT_NR_SORTS; i++) {
		ro.sort = i;
		report__write(p, s, &ro, null_out);
	}
	fflush(null_out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct symbolizer_opts so = {
		.symfs = NO_ROOT, .debug_root = NO_ROOT,
	};
	struct symbolizer *sym = NULL;
	struct profile *p = NULL;
	struct session *s = NULL;
	char path[32];
	int fd, err;

	if (!null_out)
		null_out = fopen("/dev/null", "w");
	if (!null_out)
		abort();
	fd = fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	err = session__open(&s, path);
	if (err > 0)
		abort();
	if (err)
		goto out;
	err = symbolizer__new(&sym, s, &so);
	if (err > 0)
		abort();
	if (!err)
		err = profile__build(&p, s, sym, NULL);
	if (err > 0)
		abort();
	if (!err)
		write_all(p, s);
	profile__free(p);
	symbolizer__free(sym);
	session__close(s);
out:
	close(fd);
	return 0;
}
