/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record layer: the probes of sonde test, each asking this host one
 * question a recording depends on: is the module loaded, of this tool's
 * version and ABI, may this user open it, which of its sampling sources
 * work, does the perf_event_open fallback, are kernel symbols readable,
 * is io_uring usable.  Each probe gives a verdict (struct
 * selfcheck_result) that says why in words a user can act on; it never
 * prints.
 *
 * The probes that need the module share one struct selfcheck_host, which
 * opens /dev/sonde once, on the first probe that needs it, and keeps it
 * open until selfcheck_host__close(): the device admits one opener at a
 * time, so the host is closed before anything else opens it.  Any probe can run without the others (sonde test N).
 *
 * Single-threaded: a host is used by one thread.  Nothing here is global.
 */
#ifndef SONDE_SELFCHECK_H
#define SONDE_SELFCHECK_H

#include <stdbool.h>

#include "sonde.h"
#include "lib/util.h"

enum selfcheck_status {
	SELFCHECK_OK,
	SELFCHECK_SKIP,		/* does not apply here; sampling still works */
	SELFCHECK_FAIL,		/* something sampling needs does not work */
};

#define SELFCHECK_REASON_MAX	256
#define SELFCHECK_DETAIL_MAX	2048

/*
 * struct selfcheck_result - a probe's verdict: @status, and @reason, one
 * line without a newline (may be empty for SELFCHECK_OK); @detail holds
 * lines ending in '\n' for sonde test -v, cut at SELFCHECK_DETAIL_MAX.
 */
struct selfcheck_result {
	enum selfcheck_status status;
	char reason[SELFCHECK_REASON_MAX];
	char detail[SELFCHECK_DETAIL_MAX];
};

void selfcheck__say(struct selfcheck_result *r, enum selfcheck_status st,
		    const char *fmt, ...) __printf(3, 4);
void selfcheck__detail(struct selfcheck_result *r, const char *fmt, ...)
	__printf(2, 3);

/*
 * struct selfcheck_host - what the module probes found out, filled in
 * by selfcheck_host__probe().  @tool_version is the tool's version
 * (sonde-version.h, passed in: this layer does not print it).
 * @device_err: 0 when @fd is /dev/sonde opened O_RDWR, else the -errno
 * of finding or opening it (-ENOENT: no device node).  @info_err: that
 * of GET_INFO, whose answer is @info.
 */
struct selfcheck_host {
	const char *tool_version;
	bool probed;
	bool module_loaded;		/* /sys/module/sonde exists */
	int fd;
	int device_err;
	int info_err;
	struct sonde_info info;
};

/* selfcheck_host__init - a host not yet probed, for @tool_version. */
void selfcheck_host__init(struct selfcheck_host *h, const char *tool_version);
/*
 * selfcheck_host__probe - find and open /dev/sonde and ask GET_INFO,
 * once; later calls return at once.  Its findings are in @h.
 */
void selfcheck_host__probe(struct selfcheck_host *h);
/* selfcheck_host__usable - the module can be configured: open, GET_INFO. */
bool selfcheck_host__usable(struct selfcheck_host *h);
/*
 * selfcheck_host__close - close /dev/sonde (so that a recorder may open
 * it) and forget the findings: the next probe that needs them probes
 * again.
 */
void selfcheck_host__close(struct selfcheck_host *h);

/*
 * The probes.  Each fills @r; each returns 0, or -ENOMEM when it could
 * not run (a verdict it could not reach is not a FAIL of the host).
 *
 * module:     /sys/module/sonde and /dev/sonde (skip: not loaded)
 * version:    the loaded module's version (/sys/module/sonde/version,
 *             what modinfo says of it) is the tool's
 * access:     open(/dev/sonde, O_RDWR): the node's mode, or the
 *             module's own CAP_PERFMON/CAP_SYS_ADMIN rule, on EACCES
 * abi:        GET_INFO's abi_version and size are the uapi's
 * timer:      the hrtimer source takes samples for a moment
 * sw_events:  the perf counter source (SONDE_FEAT_PMU) with task-clock
 *             and page-faults
 * hw_cycles:  a cycles counter, through the module when it is usable,
 *             else perf_event_open (skip: no hardware PMU)
 * perf:       the perf_event_open fallback, as perf_event_paranoid
 *             allows it (skip where the module works and it does not)
 * kallsyms:   /proc/kallsyms with real addresses (kptr_restrict)
 * io_uring:   io_uring_queue_init() (skip: record uses poll())
 */
int selfcheck__module(struct selfcheck_host *h, struct selfcheck_result *r);
int selfcheck__version(struct selfcheck_host *h, struct selfcheck_result *r);
int selfcheck__access(struct selfcheck_host *h, struct selfcheck_result *r);
int selfcheck__abi(struct selfcheck_host *h, struct selfcheck_result *r);
int selfcheck__timer(struct selfcheck_host *h, struct selfcheck_result *r);
int selfcheck__sw_events(struct selfcheck_host *h,
			 struct selfcheck_result *r);
int selfcheck__hw_cycles(struct selfcheck_host *h,
			 struct selfcheck_result *r);
int selfcheck__perf(struct selfcheck_host *h, struct selfcheck_result *r);
int selfcheck__kallsyms(struct selfcheck_host *h, struct selfcheck_result *r);
int selfcheck__io_uring(struct selfcheck_host *h, struct selfcheck_result *r);

/*
 * Shared by the probes' two files: whether this process has CAP_PERFMON
 * or CAP_SYS_ADMIN in effect (/proc/self/status), and hw_cycles's
 * perf_event_open half.
 */
bool selfcheck__perfmon_capable(void);
int selfcheck__perf_cycles(struct selfcheck_result *r);

/*
 * selfcheck__burn_cpu - spin on this thread for @ns of its own CPU time
 * (CLOCK_THREAD_CPUTIME_ID), touching a page now and then, so that a
 * probe has something to sample whatever the load.
 */
void selfcheck__burn_cpu(__u64 ns);

#endif /* SONDE_SELFCHECK_H */
