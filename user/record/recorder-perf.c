// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the recorder without the module (recorder-internal.h).
 * When /dev/sonde is absent, or record --source perf asks for it, the
 * recorder samples through perf_event_open(2) (record/perfsource.h): this
 * file says so once on stderr, describes what perf offers as the struct
 * sonde_info the SESSION section carries, and turns the record options
 * into the perf events to open, in place of the module's CONFIGURE and
 * rings.  The rest of the recorder runs unchanged on the converted
 * records: samples, and the task and MMAP records perf's side records
 * become, whose build-ids are read through the recorder's procmap.
 *
 * Runs once on recorder__run()'s thread, during setup (recorder.c).
 * Nothing here is global.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "lib/evspec.h"
#include "lib/util.h"
#include "record/perfsource.h"
#include "record/recorder-internal.h"

#define PERF_MAX_FREQ_DEFAULT	100000
#define PERF_MIN_PERIOD_NS	10000
#define PERF_MAX_PERIOD_NS	10000000000ULL
#define PERF_MAX_STACK		65528
#define PERF_DEPTH		127	/* perf_event_max_stack's default */
#define PERF_MAX_TGIDS		1024
#define PERF_MAX_PAGES		(1U << 16)

static __u32 read_sysctl(const char *path, __u32 dflt)
{
	char *text;
	size_t len;
	__u32 v;

	if (read_file(path, &text, &len))
		return dflt;
	text[strcspn(text, "\n")] = '\0';
	if (parse_u32(text, &v))
		v = dflt;
	free(text);
	return v;
}

static __u32 possible_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? n : 1;
}

int recorder__perf_info(struct recorder *r)
{
	struct sonde_info *info = &r->info;

	bool asked = r->o->source == RECORDER_SOURCE_PERF;

	if (!r->o->quiet || !asked)
		fprintf(stderr, "sonde: %s: sampling through perf_event_open (higher overhead); load the module (sudo insmod kmod/sonde.ko) for sonde's own sampler\n",
			asked ? "--source perf" : SONDE_DEVICE " not found");
	r->perf_mode = true;
	/* The loop polls one descriptor: the perf rings are read per tick. */
	r->dev_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->dev_fd < 0)
		return -errno;
	*info = (struct sonde_info){
		.size = sizeof(*info),
		.abi_version = SONDE_ABI_VERSION,
		.features = SONDE_FEAT_TIMER | SONDE_FEAT_PMU |
			    SONDE_FEAT_KERNEL_CHAIN | SONDE_FEAT_USER_CHAIN |
			    SONDE_FEAT_USER_STACK | SONDE_FEAT_FOLLOW_FORKS |
			    SONDE_FEAT_TASK_EVENTS | SONDE_FEAT_MMAP_EVENTS,
		.nr_cpu_ids = possible_cpus(),
		.page_size = sysconf(_SC_PAGESIZE),
		.min_ring_pages = 1,
		.max_ring_pages = PERF_MAX_PAGES,
		.max_frequency = read_sysctl("/proc/sys/kernel/perf_event_max_sample_rate",
					     PERF_MAX_FREQ_DEFAULT),
		.min_period_ns = PERF_MIN_PERIOD_NS,
		.max_kernel_depth = PERF_DEPTH,
		.max_user_depth = PERF_DEPTH,
		.max_user_stack = PERF_MAX_STACK,
		.max_tgids = PERF_MAX_TGIDS,
		.max_period_ns = PERF_MAX_PERIOD_NS,
	};
	return 0;
}

/* -e: cpu-clock stands for the timer; the others are counters. */
static int perf_events(struct recorder *r, struct perfsource_config *c)
{
	const struct recorder_opts *o = r->o;
	unsigned int i;

	r->timer = !o->nr_events;
	if (!o->nr_events) {
		c->types[0] = PERF_TYPE_SOFTWARE;
		c->configs[0] = PERF_COUNT_SW_CPU_CLOCK;
		c->is_timer[0] = true;
		c->nr_events = 1;
		return 0;
	}
	for (i = 0; i < o->nr_events; i++) {
		const struct evspec *ev = &o->events[i];
		struct srec_sample_event *rec;
		bool timer = evspec__is(ev, PERF_TYPE_SOFTWARE,
					PERF_COUNT_SW_CPU_CLOCK);

		if (c->nr_events == PERFSOURCE_MAX_EVENTS ||
		    (!timer && r->nr_counters == SONDE_MAX_EVENTS))
			return usage_error("record: at most %d events besides cpu-clock",
					   SONDE_MAX_EVENTS);
		c->types[c->nr_events] = ev->type;
		c->configs[c->nr_events] = ev->config;
		c->is_timer[c->nr_events++] = timer;
		if (timer) {
			r->timer = true;
			continue;
		}
		rec = &r->counter_recs[r->nr_counters++];
		*rec = (struct srec_sample_event){
			.type = ev->type,
			.flags = ev->flags & EVSPEC_NSEC ? SREC_EVENT_NSEC : 0,
			.config = ev->config,
			.period = o->count,
			.frequency = o->count ? 0 : o->freq,
		};
		snprintf(rec->name, sizeof(rec->name), "%s", ev->name);
	}
	return 0;
}

int recorder__perf_configure(struct recorder *r)
{
	struct recorder_opts *o = r->o;
	struct perfsource_config c = { 0 };
	bool hidden;
	__u32 pid;
	int err;

	if (o->freq > r->info.max_frequency)
		return usage_error("record: -F %u is above perf_event_max_sample_rate, %u Hz",
				   o->freq, r->info.max_frequency);
	if (o->jitter)
		return usage_error("record: --jitter needs the module's timer");
	if (o->max_overhead)
		return usage_error("record: --max-overhead needs the module's timer (perf's own limit is kernel.perf_cpu_time_max_percent)");
	err = perf_events(r, &c);
	if (err)
		return err;
	c.freq = o->freq;
	c.period = o->count;
	/* No wakeups: the loop reads every 250 ms, so rings hold that much. */
	if (!o->pages)
		o->pages = o->stack_bytes > RECORDER_LEAF_STACK ? 1024 : 256;
	c.pages = o->pages;
	c.callchain = o->callgraph != RECORDER_CG_NONE;
	c.stack_bytes = o->stack_bytes;
	c.cpus = r->cpus;
	c.nr_cpus = r->nr_rings;
	if (o->nr_pids) {
		c.pids = o->pids;
		c.nr_pids = o->nr_pids;
	} else if (o->command && !o->all) {
		pid = r->child;
		c.pids = &pid;
		c.nr_pids = 1;
	}
	c.procmap = r->procmap;
	/* perf's side records, converted (perfsource.h). */
	r->capture = SONDE_CAPTURE_USER_REGS | SONDE_CAPTURE_TASK_EVENTS |
		     SONDE_CAPTURE_MMAP;
	if (c.callchain)
		r->capture |= SONDE_CAPTURE_KERNEL_CHAIN |
			      SONDE_CAPTURE_USER_CHAIN;
	if (c.stack_bytes)
		r->capture |= SONDE_CAPTURE_USER_STACK;
	err = perfsource__open(&r->perf, &c, &hidden);
	if (err == -ENOENT || err == -EOPNOTSUPP || err == -EINVAL) {
		pr_err("record: perf_event_open cannot sample on these events here (%s): no hardware PMU in a virtual machine? -e cpu-clock works everywhere",
		       strerror(-err));
		return -SONDE_EUSAGE;
	}
	if (err == -EACCES || err == -EPERM) {
		pr_err("record: perf_event_open: permission denied (kernel.perf_event_paranoid is %u): run as root or with CAP_PERFMON",
		       read_sysctl("/proc/sys/kernel/perf_event_paranoid", 2));
		return err;
	}
	if (err && err != -ESRCH)
		pr_err("record: perf_event_open failed: %s", strerror(-err));
	if (err)
		return err;
	if (hidden) {
		r->capture &= ~SONDE_CAPTURE_KERNEL_CHAIN;
		pr_warn("perf_event_paranoid hides the kernel: kernel samples and chains off");
	}
	return 0;
}
