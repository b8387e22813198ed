// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: sonde test's probes of the host beside the module
 * (record/selfcheck.h): the perf_event_open fallback as
 * kernel.perf_event_paranoid allows it, a hardware cycles counter
 * through it, kernel symbols as kernel.kptr_restrict shows them, and
 * io_uring.  Each opens what it asks about and closes it before
 * returning; none samples anything.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <linux/perf_event.h>

#include "record/kallsyms.h"
#include "record/selfcheck.h"

#define PARANOID_PATH		"/proc/sys/kernel/perf_event_paranoid"
#define KPTR_RESTRICT_PATH	"/proc/sys/kernel/kptr_restrict"
#define URING_DISABLED_PATH	"/proc/sys/kernel/io_uring_disabled"
#define URING_GROUP_PATH	"/proc/sys/kernel/io_uring_group"

/* A sysctl's integer into *@v; -errno when absent or not a number. */
static int read_sysctl_int(const char *path, long *v)
{
	char *text, *end;
	size_t len;
	int err;

	err = read_file(path, &text, &len);
	if (err)
		return err;
	errno = 0;
	*v = strtol(text, &end, 10);
	err = errno || end == text ? -EINVAL : 0;
	free(text);
	return err;
}

/*
 * Open (and close) a sampling perf event of @type/@config on @pid and
 * @cpu as perf_event_open(2) takes them.  Returns 0 or its -errno.
 */
static int try_perf_event(__u32 type, __u64 config, int pid, int cpu,
			  bool exclude_kernel)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = type,
		.config = config,
		.freq = 1,
		.sample_freq = 99,
		.sample_type = PERF_SAMPLE_IP,
		.disabled = 1,
		.exclude_kernel = exclude_kernel,
		.exclude_hv = 1,
	};
	long fd = syscall(SYS_perf_event_open, &attr, pid, cpu, -1,
			  PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* What perf_event_paranoid @p lets a process without CAP_PERFMON do. */
static const char *paranoid_meaning(long p)
{
	if (p <= -1)
		return "every event, CPU-wide and kernel included";
	if (p == 0)
		return "CPU-wide and kernel sampling, no raw tracepoints";
	if (p == 1)
		return "its own processes, kernel included; CPU-wide (record -a) needs CAP_PERFMON";
	if (p == 2)
		return "its own processes, user space only; kernel and CPU-wide need CAP_PERFMON";
	return "nothing: perf_event_open needs CAP_PERFMON (a distribution's level above 2)";
}

int selfcheck__perf(struct selfcheck_host *h, struct selfcheck_result *r)
{
	bool capable = selfcheck__perfmon_capable(), kernel = true;
	long paranoid;
	int err, cpu_err;

	if (read_sysctl_int(PARANOID_PATH, &paranoid)) {
		selfcheck__say(r, SELFCHECK_FAIL,
			       "no %s: this kernel has no perf events (CONFIG_PERF_EVENTS)",
			       PARANOID_PATH);
		return 0;
	}
	selfcheck__detail(r, "kernel.perf_event_paranoid = %ld: unprivileged, %s\n",
			  paranoid, paranoid_meaning(paranoid));
	selfcheck__detail(r, "this process %s CAP_PERFMON or CAP_SYS_ADMIN%s\n",
			  capable ? "has" : "lacks",
			  capable ? ": the paranoid level does not limit it" : "");
	err = try_perf_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK,
			     0, -1, false);
	if (err == -EACCES || err == -EPERM) {
		/* As the recorder does: sample without the kernel. */
		kernel = false;
		err = try_perf_event(PERF_TYPE_SOFTWARE,
				     PERF_COUNT_SW_CPU_CLOCK, 0, -1, true);
	}
	cpu_err = try_perf_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK,
				 -1, 0, !kernel);
	if (!err) {
		selfcheck__detail(r, "sampling a process: allowed, %s\n",
				  kernel ? "kernel included" :
				  "user space only (kernel frames and kernel samples off)");
		selfcheck__detail(r, "sampling every CPU (record -a): %s\n",
				  cpu_err ? strerror(-cpu_err) : "allowed");
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
		return 0;
	}
	selfcheck__detail(r, "sampling a process: %s\n", strerror(-err));
	if (err == -ENOENT || err == -ENOSYS || err == -EOPNOTSUPP) {
		selfcheck__say(r, selfcheck_host__usable(h) ? SELFCHECK_SKIP :
			       SELFCHECK_FAIL,
			       "perf_event_open: %s: no cpu-clock events on this kernel",
			       strerror(-err));
		return 0;
	}
	if (selfcheck_host__usable(h))
		selfcheck__say(r, SELFCHECK_SKIP,
			       "not needed, the module works (perf_event_open: %s, perf_event_paranoid %ld)",
			       strerror(-err), paranoid);
	else if (err == -EACCES || err == -EPERM)
		selfcheck__say(r, SELFCHECK_FAIL,
			       "perf_event_open: %s: kernel.perf_event_paranoid is %ld; run as root or with CAP_PERFMON, or lower it to 2",
			       strerror(-err), paranoid);
	else
		selfcheck__say(r, SELFCHECK_FAIL, "perf_event_open: %s",
			       strerror(-err));
	return 0;
}

int selfcheck__perf_cycles(struct selfcheck_result *r)
{
	int err = try_perf_event(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES,
				 0, -1, true);

	selfcheck__detail(r, "through perf_event_open (the module is not usable)\n");
	if (!err)
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
	else if (err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV)
		selfcheck__say(r, SELFCHECK_SKIP,
			       "no hardware PMU (perf_event_open: %s), as in most virtual machines: sample on the timer or software events",
			       strerror(-err));
	else if (err == -EACCES || err == -EPERM)
		selfcheck__say(r, SELFCHECK_SKIP,
			       "perf_event_open refuses this user (%s): see the fallback's check",
			       strerror(-err));
	else
		selfcheck__say(r, SELFCHECK_FAIL, "perf_event_open: %s",
			       strerror(-err));
	return 0;
}

int selfcheck__kallsyms(struct selfcheck_host *h, struct selfcheck_result *r)
{
	struct buf syms = { 0 };
	bool restricted = false;
	long kptr = -1, paranoid = -1;
	size_t i, n = 0;
	int err;

	(void)h;
	read_sysctl_int(KPTR_RESTRICT_PATH, &kptr);
	read_sysctl_int(PARANOID_PATH, &paranoid);
	err = kallsyms__capture("/proc/kallsyms", &syms, &restricted);
	if (err == -ENOMEM)
		return err;
	if (err) {
		selfcheck__say(r, SELFCHECK_SKIP,
			       "/proc/kallsyms: %s: kernel frames stay unnamed",
			       strerror(-err));
		return 0;
	}
	for (i = 0; i < syms.len; i++)
		n += syms.data[i] == '\n';
	buf__free(&syms);
	selfcheck__detail(r, "%zu text symbols; kernel.kptr_restrict = %ld, kernel.perf_event_paranoid = %ld\n",
			  n, kptr, paranoid);
	if (!restricted) {
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
		return 0;
	}
	/* The kernel's kallsyms_show_value(), in words. */
	if (kptr >= 2)
		selfcheck__say(r, SELFCHECK_SKIP,
			       "every address reads 0: kernel.kptr_restrict = %ld hides them from everyone; kernel frames stay unnamed",
			       kptr);
	else if (kptr == 1)
		selfcheck__say(r, SELFCHECK_SKIP,
			       "every address reads 0: kernel.kptr_restrict = 1 shows them only with CAP_SYSLOG (run as root); kernel frames stay unnamed");
	else
		selfcheck__say(r, SELFCHECK_SKIP,
			       "every address reads 0: with kernel.perf_event_paranoid = %ld (above 1) they need CAP_SYSLOG (run as root); kernel frames stay unnamed",
			       paranoid);
	return 0;
}

int selfcheck__io_uring(struct selfcheck_host *h, struct selfcheck_result *r)
{
	struct io_uring ring;
	long disabled = 0, group = -1;
	int err;

	(void)h;
	err = io_uring_queue_init(8, &ring, 0);
	if (!err) {
		io_uring_queue_exit(&ring);
		selfcheck__say(r, SELFCHECK_OK, "%s", "");
		return 0;
	}
	selfcheck__detail(r, "io_uring_queue_init: %s\n", strerror(-err));
	if (err == -ENOSYS) {
		selfcheck__say(r, SELFCHECK_SKIP,
			       "this kernel has no io_uring (CONFIG_IO_URING): record uses poll() and write()");
		return 0;
	}
	if (err != -EPERM) {
		selfcheck__say(r, SELFCHECK_SKIP,
			       "io_uring_queue_init: %s: record uses poll() and write()",
			       strerror(-err));
		return 0;
	}
	read_sysctl_int(URING_DISABLED_PATH, &disabled);
	read_sysctl_int(URING_GROUP_PATH, &group);
	if (disabled >= 2)
		selfcheck__say(r, SELFCHECK_SKIP,
			       "kernel.io_uring_disabled = %ld: off for everyone; record uses poll() and write()",
			       disabled);
	else if (disabled == 1)
		selfcheck__say(r, SELFCHECK_SKIP,
			       "kernel.io_uring_disabled = 1: only CAP_SYS_ADMIN and group %ld (kernel.io_uring_group) may; record uses poll() and write()",
			       group);
	else
		selfcheck__say(r, SELFCHECK_SKIP,
			       "EPERM with kernel.io_uring_disabled = 0: a seccomp filter (a container's?) refuses io_uring_setup; record uses poll() and write()");
	return 0;
}

static __u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void selfcheck__burn_cpu(__u64 ns)
{
	__u64 end = thread_cpu_ns() + ns;
	volatile unsigned long spin = 0;
	unsigned int i;

	while (thread_cpu_ns() < end) {
		/* A fresh page faults once: what page-faults counts. */
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			p[0] = 1;
			munmap(p, 4096);
		}
		for (i = 0; i < 100000; i++)
			spin += i;
	}
	/* Read once: the loop's stores are what burns, not the sum. */
	(void)spin;
}
