// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: sonde test's probes of the module (record/selfcheck.h):
 * is it loaded, of the tool's version, may this user open it, does it
 * speak the tool's ABI, and do its timer and perf counter sources take
 * samples.  The probes of the rest of the host are in selfcheck-host.c.
 *
 * /dev/sonde admits one opener at a time: the host opens it once, on the
 * first probe that needs it, and the source probes CONFIGURE, START and
 * STOP that one file in turn.  No probe maps the rings: the samples are
 * counted by GET_STATS, whose counts hold whether or not anyone reads.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <fcntl.h>

#include <linux/perf_event.h>

#include "record/dev.h"
#include "record/selfcheck.h"

#define SYS_MODULE		"/sys/module/sonde"
#define MODULE_VERSION_PATH	SYS_MODULE "/version"
/* How long a source probe samples: enough for a few hundred periods. */
#define PROBE_BURN_NS		100000000ULL
#define PROBE_FREQ		999

void selfcheck__say(struct selfcheck_result *r, enum selfcheck_status st,
		    const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

void selfcheck__detail(struct selfcheck_result *r, const char *fmt, ...)
{
	size_t len = strnlen(r->detail, sizeof(r->detail));
	va_list ap;

	if (len >= sizeof(r->detail) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(r->detail + len, sizeof(r->detail) - len, fmt, ap);
	va_end(ap);
}

void selfcheck_host__init(struct selfcheck_host *h, const char *tool_version)
{
	memset(h, 0, sizeof(*h));
	h->tool_version = tool_version;
	h->fd = -1;
	h->device_err = -ENOENT;
	h->info_err = -ENODEV;
}

void selfcheck_host__probe(struct selfcheck_host *h)
{
	struct stat st;

	if (h->probed)
		return;
	h->probed = true;
	h->module_loaded = !stat(SYS_MODULE, &st) && S_ISDIR(st.st_mode);
	h->fd = sonde_dev_open();
	if (h->fd < 0) {
		h->device_err = h->fd;
		h->fd = -1;
		return;
	}
	h->device_err = 0;
	h->info_err = sonde_dev_get_info(h->fd, &h->info);
}

bool selfcheck_host__usable(struct selfcheck_host *h)
{
	selfcheck_host__probe(h);
	return !h->device_err && !h->info_err &&
	       h->info.abi_version == SONDE_ABI_VERSION;
}

void selfcheck_host__close(struct selfcheck_host *h)
{
	if (h->fd >= 0)
		close(h->fd);
	/* A probe after this one opens the device again. */
	selfcheck_host__init(h, h->tool_version);
}

/*
 * Why a probe that needs the module cannot run: said as a skip, since the
 * probe that found the cause (module, access, abi) carries the verdict.
 * Returns true when it said so.
 */
static bool skip_unusable(struct selfcheck_host *h, struct selfcheck_result *r)
{
	if (selfcheck_host__usable(h))
		return false;
	if (h->device_err == -ENOENT)
		selfcheck__say(r, SELFCHECK_SKIP, "module not loaded");
	else if (h->device_err)
		selfcheck__say(r, SELFCHECK_SKIP, "cannot open %s: %s",
			       SONDE_DEVICE, strerror(-h->device_err));
	else if (h->info_err)
		selfcheck__say(r, SELFCHECK_SKIP, "GET_INFO failed: %s",
			       strerror(-h->info_err));
	else
		selfcheck__say(r, SELFCHECK_SKIP, "the module's ABI is not the tool's");
	return true;
}

int selfcheck__module(struct selfcheck_host *h, struct selfcheck_result *r)
{
	struct stat st;

	selfcheck_host__probe(h);
	if (stat(SONDE_DEVICE, &st)) {
		if (h->module_loaded)
			selfcheck__say(r, SELFCHECK_FAIL,
				       "loaded, but %s is missing: udev did not make the node (its misc minor is in /proc/misc)",
				       SONDE_DEVICE);
		else
			selfcheck__say(r, SELFCHECK_SKIP,
				       "not loaded (modprobe sonde, or insmod sonde.ko): record samples through perf_event_open instead");
		return 0;
	}
	selfcheck__detail(r, "%s: %s %u:%u, mode %04o, owner %u:%u\n",
			  SONDE_DEVICE,
			  S_ISCHR(st.st_mode) ? "character device" : "not a device",
			  major(st.st_rdev), minor(st.st_rdev),
			  st.st_mode & 07777, st.st_uid, st.st_gid);
	if (!S_ISCHR(st.st_mode)) {
		selfcheck__say(r, SELFCHECK_FAIL,
			       "%s is not a character device: remove it and load the module again",
			       SONDE_DEVICE);
		return 0;
	}
	if (!h->module_loaded)
		selfcheck__detail(r, "no %s: the module is built in, or the node is stale\n",
				  SYS_MODULE);
	selfcheck__say(r, SELFCHECK_OK, "%s", "");
	return 0;
}

int selfcheck__version(struct selfcheck_host *h, struct selfcheck_result *r)
{
	char *text;
	size_t len;
	int err;

	selfcheck_host__probe(h);
	if (!h->module_loaded) {
		selfcheck__say(r, SELFCHECK_SKIP, "module not loaded");
		return 0;
	}
	err = read_file(MODULE_VERSION_PATH, &text, &len);
	if (err == -ENOMEM)
		return err;
	if (err) {
		selfcheck__say(r, SELFCHECK_SKIP,
			       "the module says no version (%s: %s)",
			       MODULE_VERSION_PATH, strerror(-err));
		return 0;
	}
	text[strcspn(text, "\n")] = '\0';
	selfcheck__detail(r, "module %s (%s, what modinfo -F version says of its file)\n",
			  text, MODULE_VERSION_PATH);
	selfcheck__detail(r, "tool %s (sonde --version)\n", h->tool_version);
	if (strcmp(text, h->tool_version))
		selfcheck__say(r, SELFCHECK_FAIL,
			       "module %s, tool %s: load the module of this release (make install-module, or DKMS)",
			       text, h->tool_version);
	else
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
	free(text);
	return 0;
}

/*
 * The capability sets of this process, from /proc/self/status's CapEff
 * (0 when unreadable).
 */
static __u64 effective_caps(void)
{
	char *text, *p;
	size_t len;
	__u64 caps = 0;

	if (read_file("/proc/self/status", &text, &len))
		return 0;
	p = strstr(text, "\nCapEff:");
	if (p)
		caps = strtoull(p + 8, NULL, 16);
	free(text);
	return caps;
}

#define CAP_BIT_SYS_ADMIN	21
#define CAP_BIT_PERFMON		38

bool selfcheck__perfmon_capable(void)
{
	__u64 caps = effective_caps();

	return caps & (1ULL << CAP_BIT_PERFMON | 1ULL << CAP_BIT_SYS_ADMIN);
}

int selfcheck__access(struct selfcheck_host *h, struct selfcheck_result *r)
{
	bool capable = selfcheck__perfmon_capable();
	struct stat st;
	int err;

	selfcheck_host__probe(h);
	err = h->device_err;
	selfcheck__detail(r, "uid %u, euid %u; CAP_PERFMON or CAP_SYS_ADMIN: %s\n",
			  getuid(), geteuid(), capable ? "yes" : "no");
	switch (err) {
	case 0:
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
		return 0;
	case -ENOENT:
		selfcheck__say(r, SELFCHECK_SKIP, "no %s", SONDE_DEVICE);
		return 0;
	case -EACCES:
	case -EPERM:
		break;
	case -EBUSY:
		selfcheck__say(r, SELFCHECK_FAIL,
			       "%s is busy: another sonde session has it open (one at a time)",
			       SONDE_DEVICE);
		return 0;
	default:
		selfcheck__say(r, SELFCHECK_FAIL, "open(%s, O_RDWR): %s",
			       SONDE_DEVICE, strerror(-err));
		return 0;
	}
	/*
	 * Two rules refuse with EACCES: the node's mode, checked by the VFS
	 * first, then the module's own (kmod/dev.c: perfmon_capable()).
	 */
	if (!stat(SONDE_DEVICE, &st) &&
	    faccessat(AT_FDCWD, SONDE_DEVICE, R_OK | W_OK, AT_EACCESS))
		selfcheck__say(r, SELFCHECK_FAIL,
			       "%s: the node (mode %04o, owner %u:%u) does not let uid %u read and write it: run as root, or give it a group with a udev rule",
			       strerror(-err), st.st_mode & 07777, st.st_uid,
			       st.st_gid, geteuid());
	else
		selfcheck__say(r, SELFCHECK_FAIL,
			       "%s: the module opens only for CAP_PERFMON or CAP_SYS_ADMIN, which this process lacks: run as root, or give sonde cap_perfmon (setcap)",
			       strerror(-err));
	return 0;
}

static const char *const feature_names[] = {
	"timer", "pmu", "kernel-chain", "user-chain", "user-stack",
	"kernel-allowed", "task-events", "mmap-events", "follow-forks",
	"throttle",
};

int selfcheck__abi(struct selfcheck_host *h, struct selfcheck_result *r)
{
	const struct sonde_info *i = &h->info;
	unsigned int b;

	selfcheck_host__probe(h);
	if (h->device_err) {
		selfcheck__say(r, SELFCHECK_SKIP, "%s",
			       h->device_err == -ENOENT ? "module not loaded" :
			       "the device could not be opened");
		return 0;
	}
	if (h->info_err) {
		selfcheck__say(r, SELFCHECK_FAIL, "GET_INFO: %s",
			       strerror(-h->info_err));
		return 0;
	}
	selfcheck__detail(r, "ABI version %u (tool %u); GET_INFO wrote %u bytes (tool knows %zu, minimum %u)\n",
			  i->abi_version, SONDE_ABI_VERSION, i->size,
			  sizeof(*i), SONDE_INFO_SIZE_VER0);
	selfcheck__detail(r, "features:");
	for (b = 0; b < 64; b++) {
		if (!(i->features & (1ULL << b)))
			continue;
		if (b < ARRAY_SIZE(feature_names))
			selfcheck__detail(r, " %s", feature_names[b]);
		else
			selfcheck__detail(r, " bit%u", b);
	}
	selfcheck__detail(r, "\n%u possible CPUs, at most %u Hz, rings of %u to %u pages, depths %u kernel / %u user, user stack copies up to %u bytes\n",
			  i->nr_cpu_ids, i->max_frequency, i->min_ring_pages,
			  i->max_ring_pages, i->max_kernel_depth,
			  i->max_user_depth, i->max_user_stack);
	if (i->abi_version != SONDE_ABI_VERSION)
		selfcheck__say(r, SELFCHECK_FAIL,
			       "the module speaks ABI version %u, the tool %u: rebuild one of them",
			       i->abi_version, SONDE_ABI_VERSION);
	else if (i->size < SONDE_INFO_SIZE_VER0 || i->size > sizeof(*i))
		selfcheck__say(r, SELFCHECK_FAIL,
			       "GET_INFO wrote %u bytes, not %u to %zu",
			       i->size, SONDE_INFO_SIZE_VER0, sizeof(*i));
	else
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
	return 0;
}

/*
 * Sample every CPU with @cfg for a moment while this thread burns CPU
 * time, and count the periods the source saw on all of them into
 * *@periods (for the timer, its missed and empty periods too: a busy
 * host may give it nothing else).  Returns 0, or the -errno of the ioctl
 * that failed, named in *@what.
 */
static int sample_moment(struct selfcheck_host *h, struct sonde_config *cfg,
			 __u64 *periods, const char **what)
{
	__u32 nr = h->info.nr_cpu_ids, cpu;
	struct sonde_cpu_stats *st;
	int err, stop_err;

	*periods = 0;
	*what = "CONFIGURE";
	err = sonde_dev_configure(h->fd, cfg);
	if (err)
		return err;
	st = calloc(nr, sizeof(*st));
	if (!st)
		return -ENOMEM;
	*what = "START";
	err = sonde_dev_start(h->fd);
	if (err)
		goto out;
	selfcheck__burn_cpu(PROBE_BURN_NS);
	stop_err = sonde_dev_stop(h->fd);
	*what = "GET_STATS";
	err = sonde_dev_get_stats(h->fd, st, &nr);
	if (stop_err) {
		*what = "STOP";
		err = stop_err;
	}
	if (err)
		goto out;
	for (cpu = 0; cpu < nr && cpu < h->info.nr_cpu_ids; cpu++)
		*periods += st[cpu].samples + st[cpu].filtered +
			    st[cpu].timer_missed + st[cpu].timer_no_regs;
out:
	free(st);
	return err;
}

static __u32 probe_freq(const struct selfcheck_host *h)
{
	return h->info.max_frequency && h->info.max_frequency < PROBE_FREQ ?
	       h->info.max_frequency : PROBE_FREQ;
}

int selfcheck__timer(struct selfcheck_host *h, struct selfcheck_result *r)
{
	struct sonde_config cfg = { 0 };
	const char *what;
	__u64 periods;
	int err;

	if (skip_unusable(h, r))
		return 0;
	if (!(h->info.features & SONDE_FEAT_TIMER)) {
		selfcheck__say(r, SELFCHECK_FAIL, "the module has no timer source (SONDE_FEAT_TIMER)");
		return 0;
	}
	cfg.source = SONDE_SOURCE_TIMER;
	cfg.frequency = probe_freq(h);
	cfg.ring_pages = h->info.min_ring_pages;
	err = sample_moment(h, &cfg, &periods, &what);
	if (err == -ENOMEM)
		return err;
	if (err) {
		selfcheck__say(r, SELFCHECK_FAIL, "%s: %s", what, strerror(-err));
		return 0;
	}
	selfcheck__detail(r, "%llu timer periods on all CPUs in %llu ms of this thread's CPU time at %u Hz\n",
			  (unsigned long long)periods,
			  PROBE_BURN_NS / 1000000, cfg.frequency);
	if (!periods)
		selfcheck__say(r, SELFCHECK_FAIL, "the timer never fired");
	else
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
	return 0;
}

/*
 * CONFIGURE the perf counter source with @nr @ev, each first alone so
 * that a refusal names its event; then sample with all of them.  Says
 * the verdict with @st_unsup for a counter the machine lacks.
 */
static int probe_events(struct selfcheck_host *h, struct sonde_event *ev,
			unsigned int nr, const char *const *names,
			enum selfcheck_status st_unsup,
			struct selfcheck_result *r)
{
	struct sonde_config cfg = { 0 };
	const char *what;
	__u64 periods;
	unsigned int i;
	int err;

	if (skip_unusable(h, r))
		return 0;
	if (!(h->info.features & SONDE_FEAT_PMU)) {
		selfcheck__say(r, SELFCHECK_SKIP,
			       "the module has no perf counter source (SONDE_FEAT_PMU): it samples on its timer");
		return 0;
	}
	cfg.source = SONDE_SOURCE_PMU;
	cfg.ring_pages = h->info.min_ring_pages;
	for (i = 0; i < nr; i++) {
		cfg.events_ptr = (__u64)(unsigned long)&ev[i];
		cfg.nr_events = 1;
		err = sonde_dev_configure(h->fd, &cfg);
		if (err == -EOPNOTSUPP || err == -ENOENT) {
			selfcheck__say(r, st_unsup,
				       "%s: this machine has no such counter%s",
				       names[i], ev[i].type == PERF_TYPE_HARDWARE ?
				       " (no hardware PMU, as in most virtual machines): sample on the timer or software events" : "");
			return 0;
		}
		if (err) {
			selfcheck__say(r, SELFCHECK_FAIL, "CONFIGURE %s: %s",
				       names[i], strerror(-err));
			return 0;
		}
		selfcheck__detail(r, "%s: CONFIGURE accepts it\n", names[i]);
	}
	cfg.events_ptr = (__u64)(unsigned long)ev;
	cfg.nr_events = nr;
	err = sample_moment(h, &cfg, &periods, &what);
	if (err == -ENOMEM)
		return err;
	if (err) {
		selfcheck__say(r, SELFCHECK_FAIL, "%s: %s", what, strerror(-err));
		return 0;
	}
	selfcheck__detail(r, "%llu samples on all CPUs in %llu ms of this thread's CPU time\n",
			  (unsigned long long)periods,
			  PROBE_BURN_NS / 1000000);
	if (!periods)
		selfcheck__say(r, SELFCHECK_FAIL, "the counters took no sample");
	else
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
	return 0;
}

int selfcheck__sw_events(struct selfcheck_host *h, struct selfcheck_result *r)
{
	static const char *const names[] = { "task-clock", "page-faults" };
	struct sonde_event ev[2] = {
		{ .type = PERF_TYPE_SOFTWARE,
		  .config = PERF_COUNT_SW_TASK_CLOCK },
		{ .type = PERF_TYPE_SOFTWARE,
		  .config = PERF_COUNT_SW_PAGE_FAULTS, .period = 1 },
	};

	ev[0].frequency = probe_freq(h);
	return probe_events(h, ev, 2, names, SELFCHECK_FAIL, r);
}

int selfcheck__hw_cycles(struct selfcheck_host *h, struct selfcheck_result *r)
{
	static const char *const names[] = { "cycles" };
	struct sonde_event ev = {
		.type = PERF_TYPE_HARDWARE,
		.config = PERF_COUNT_HW_CPU_CYCLES,
	};

	/* Where record would sample: the module, else perf_event_open. */
	if (!selfcheck_host__usable(h))
		return selfcheck__perf_cycles(r);
	ev.frequency = probe_freq(h);
	return probe_events(h, &ev, 1, names, SELFCHECK_SKIP, r);
}
