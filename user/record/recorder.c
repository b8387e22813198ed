// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the recorder behind sonde record (recorder.h).  It
 * configures /dev/sonde, drains its per-CPU rings into a recording, and
 * captures what report needs to symbolize the samples later, here or on
 * another machine.
 *
 * The recording is written as FILE.tmp-PID and renamed to FILE only once
 * its END section is on disk, so a FILE that exists is always complete; a
 * crash leaves the temporary, which the reader still reads up to where it
 * stops.  A FILE that is a symlink or a device is written in place
 * (outfile.h).
 *
 * This file runs a recording: it sets up the device (or, without it,
 * the perf_event_open fallback: recorder-perf.c), the rings, the
 * command and the output, writes SESSION and VDSO, STARTs sampling, lets
 * the command exec, and loops until the end; then it STOPs, drains the
 * rings one last time, writes the final sections and renames the file.
 * Draining is recorder-drain.c, the final sections recorder-finish.c;
 * they share struct recorder (recorder-internal.h).
 *
 * Runs on the caller's thread, in recorder__run(), but for the file
 * system worker's jobs (recorder-drain.c, record/fsworker.h): snapshots
 * and the archive.  A -- COMMAND is a forked child, forked before that
 * thread starts.  Nothing here is global.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "lib/evspec.h"
#include "lib/outfile.h"
#include "lib/util.h"
#include "recording/recording.h"
#include "record/archive.h"
#include "record/dev.h"
#include "record/fsworker.h"
#include "record/jitmaps.h"
#include "record/loop.h"
#include "record/modload.h"
#include "record/perfsource.h"
#include "record/procmap.h"
#include "record/recorder-internal.h"
#include "record/recorder.h"
#include "record/ring.h"
#include "record/seen.h"
#include "record/target.h"

#define TICK_MS			250	/* drain and status line period */
#define FLUSH_NS		1000000000ULL
#define CHUNK_SIZE		(1 << 20)
#define NR_CHUNKS		8

/* ---- setup ---- */

__u32 recorder__default_pages(const struct recorder_opts *o, __u32 min_pages,
			      __u32 max_pages)
{
	__u32 pages = o->stack_bytes > RECORDER_LEAF_STACK ?
		      RECORDER_DWARF_PAGES : RECORDER_DEFAULT_PAGES;

	return max_t(__u32, min_pages, min_t(__u32, pages, max_pages));
}

static int open_device(struct recorder *r)
{
	int fd = sonde_dev_open();

	switch (fd) {
	case -ENOENT:
		return fd;	/* the caller falls back on perf_event_open */
	case -EACCES:
	case -EPERM:
		pr_err("%s: permission denied: recording needs CAP_PERFMON or root",
		       SONDE_DEVICE);
		return fd;
	case -EBUSY:
		pr_err("%s is busy: another sonde record is running",
		       SONDE_DEVICE);
		return fd;
	}
	if (fd < 0) {
		pr_err("cannot open %s: %s", SONDE_DEVICE, strerror(-fd));
		return fd;
	}
	r->dev_fd = fd;
	fd = sonde_dev_get_info(r->dev_fd, &r->info);
	if (fd)
		pr_err("%s: GET_INFO failed: %s", SONDE_DEVICE, strerror(-fd));
	return fd;
}

static int setup_cpus(struct recorder *r)
{
	unsigned int nbits = r->info.nr_cpu_ids, words = (nbits + 63) / 64;
	__u64 *possible;
	char *text;
	size_t len;
	unsigned int cpu;
	int err;

	possible = calloc(words, sizeof(__u64));
	if (!possible)
		return -ENOMEM;
	if (!read_file("/sys/devices/system/cpu/possible", &text, &len)) {
		text[strcspn(text, "\n")] = '\0';
		err = parse_cpu_list(text, possible, nbits);
		free(text);
	} else {
		err = -ENOENT;
	}
	if (err)
		for (cpu = 0; cpu < nbits; cpu++)
			possible[cpu / 64] |= 1ULL << (cpu % 64);
	if (r->o->cpus) {
		r->cpumask = calloc(words, sizeof(__u64));
		if (!r->cpumask) {
			free(possible);
			return -ENOMEM;
		}
		r->mask_words = words;
		err = parse_cpu_list(r->o->cpus, r->cpumask, nbits);
		for (cpu = 0; !err && cpu < words; cpu++)
			if (r->cpumask[cpu] & ~possible[cpu])
				err = -ERANGE;
		if (err) {
			free(possible);
			return usage_error("record: -C needs CPUs like 0,2-3 among the %u possible ones, not '%s'",
					   nbits, r->o->cpus);
		}
		memcpy(possible, r->cpumask, words * sizeof(__u64));
	}
	r->rings = calloc(nbits, sizeof(*r->rings));
	r->cpus = calloc(nbits, sizeof(*r->cpus));
	if (!r->rings || !r->cpus) {
		free(possible);
		return -ENOMEM;
	}
	for (cpu = 0; cpu < nbits; cpu++)
		if (possible[cpu / 64] & (1ULL << (cpu % 64)))
			r->cpus[r->nr_rings++] = cpu;
	free(possible);
	return 0;
}

static int start_child(struct recorder *r)
{
	int go[2], ex[2];
	sigset_t empty;

	if (pipe2(go, O_CLOEXEC) || pipe2(ex, O_CLOEXEC))
		return -errno;
	r->child = fork();
	if (r->child < 0)
		return -errno;
	if (r->child == 0) {
		char c;
		int e;

		sigemptyset(&empty);
		sigprocmask(SIG_SETMASK, &empty, NULL);
		close(go[1]);
		close(ex[0]);
		/* Wait until sampling runs: EOF without a byte is "abort". */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(r->o->command[0], r->o->command);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	r->go_fd = go[1];
	r->exec_fd = ex[0];
	return 0;
}

/*
 * -e: the timer for cpu-clock, a perf counter for each other event.  The
 * counters' entries in the recording (SAMPLE_EVENTS) say what they were.
 */
static int choose_events(struct recorder *r)
{
	const struct recorder_opts *o = r->o;
	unsigned int i;

	r->timer = !o->nr_events;
	r->nr_counters = 0;
	for (i = 0; i < o->nr_events; i++) {
		const struct evspec *ev = &o->events[i];
		struct srec_sample_event *rec;

		if (evspec__is(ev, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK)) {
			r->timer = true;
			continue;
		}
		if (!(r->info.features & SONDE_FEAT_PMU))
			return usage_error("record: -e %s: this module samples on its timer only (-e cpu-clock)",
					   ev->name);
		if (r->nr_counters == SONDE_MAX_EVENTS)
			return usage_error("record: at most %d events besides cpu-clock",
					   SONDE_MAX_EVENTS);
		r->counters[r->nr_counters] = (struct sonde_event){
			.type = ev->type,
			.config = ev->config,
			.period = o->count,
			.frequency = o->count ? 0 : o->freq,
		};
		rec = &r->counter_recs[r->nr_counters];
		*rec = (struct srec_sample_event){
			.type = ev->type,
			.flags = ev->flags & EVSPEC_NSEC ? SREC_EVENT_NSEC : 0,
			.config = ev->config,
			.period = o->count,
			.frequency = o->count ? 0 : o->freq,
		};
		snprintf(rec->name, sizeof(rec->name), "%s", ev->name);
		r->nr_counters++;
	}
	return 0;
}

/*
 * CONFIGURE said EOPNOTSUPP with counters: find the one this machine
 * cannot count by trying each alone, and name it.
 */
static int explain_events(struct recorder *r, struct sonde_config *cfg)
{
	struct sonde_config one = *cfg;
	unsigned int i;

	one.source = SONDE_SOURCE_PMU;
	one.frequency = 0;
	one.period_ns = 0;
	one.nr_events = 1;
	for (i = 0; i < r->nr_counters; i++) {
		one.events_ptr = (__u64)(unsigned long)&r->counters[i];
		if (sonde_dev_configure(r->dev_fd, &one) == -EOPNOTSUPP) {
			pr_err("record: -e %s: this machine cannot count it (no hardware PMU: a virtual machine?); -e cpu-clock samples on the timer",
			       r->counter_recs[i].name);
			return -SONDE_EUSAGE;
		}
	}
	return -EOPNOTSUPP;
}

/*
 * An hrtimer cannot expire more often than hrtimer_resolution, which
 * clock_getres() reports: a tick when the kernel has no high-resolution
 * timers.  The module's samples then stand for the longer interval
 * (uapi: timer_missed), so profiles stay right; only the rate is lower.
 */
static void warn_timer_resolution(__u64 period_ns)
{
	struct timespec res;
	__u64 res_ns;

	if (clock_getres(CLOCK_MONOTONIC, &res))
		return;
	res_ns = res.tv_sec * 1000000000ull + res.tv_nsec;
	if (res_ns > period_ns)
		pr_warn("the kernel's timers resolve %.3f ms (no high-resolution timers): the timer samples at most %llu times a second per CPU, each sample standing for that long",
			res_ns / 1e6, 1000000000ull / res_ns);
}

static int configure(struct recorder *r)
{
	struct recorder_opts *o = r->o;
	struct sonde_config cfg = {
		.source = SONDE_SOURCE_TIMER,
		.frequency = o->freq,
		.capture = SONDE_CAPTURE_USER_REGS,
	};
	__u32 pid;
	int err;

	if (o->freq > r->info.max_frequency)
		return usage_error("record: -F %u is above the module's maximum of %u Hz",
				   o->freq, r->info.max_frequency);
	err = choose_events(r);
	if (err)
		return err;
	if (!r->timer) {
		cfg.source = SONDE_SOURCE_PMU;
		cfg.frequency = 0;
	} else if (o->count) {
		/* -c for cpu-clock: nanoseconds, as perf counts it. */
		if (o->count < r->info.min_period_ns ||
		    (r->info.max_period_ns && o->count > r->info.max_period_ns))
			return usage_error("record: -c %llu: cpu-clock's period must be between %u and %llu ns",
					   (unsigned long long)o->count,
					   r->info.min_period_ns,
					   (unsigned long long)r->info.max_period_ns);
		cfg.frequency = 0;
		cfg.period_ns = o->count;
	}
	if (r->timer)
		warn_timer_resolution(cfg.period_ns ? cfg.period_ns :
				      1000000000ull / cfg.frequency);
	if (o->jitter) {
		if (!(r->info.features & SONDE_FEAT_THROTTLE))
			return usage_error("record: --jitter: this module's timer has no jitter");
		if (!r->timer)
			return usage_error("record: --jitter varies the timer's intervals: it needs -e cpu-clock");
		cfg.jitter = o->jitter;
	}
	if (o->max_overhead) {
		if (!(r->info.features & SONDE_FEAT_THROTTLE))
			return usage_error("record: --max-overhead: this module has no overhead limit");
		cfg.max_overhead = o->max_overhead;
	}
	if (r->nr_counters) {
		cfg.nr_events = r->nr_counters;
		cfg.events_ptr = (__u64)(unsigned long)r->counters;
	}
	if (!o->pages)
		o->pages = recorder__default_pages(o, r->info.min_ring_pages,
						   r->info.max_ring_pages);
	if (o->pages < r->info.min_ring_pages ||
	    o->pages > r->info.max_ring_pages)
		return usage_error("record: -m must be between %u and %u pages",
				   r->info.min_ring_pages,
				   r->info.max_ring_pages);
	if (o->callgraph != RECORDER_CG_NONE) {
		if (r->info.features & SONDE_FEAT_KERNEL_CHAIN)
			cfg.capture |= SONDE_CAPTURE_KERNEL_CHAIN;
		else
			pr_warn("the module cannot unwind kernel stacks: kernel call chains off");
		/* dwarf mode too: the chain goes on where the copy ends. */
		if (r->info.features & SONDE_FEAT_USER_CHAIN)
			cfg.capture |= SONDE_CAPTURE_USER_CHAIN;
		else
			pr_warn("the module cannot unwind user stacks: user call chains off");
	}
	if (o->stack_bytes) {
		if (!(r->info.features & SONDE_FEAT_USER_STACK) ||
		    o->stack_bytes > r->info.max_user_stack)
			return usage_error("record: this module copies at most %u bytes of user stack, not %u",
					   r->info.features & SONDE_FEAT_USER_STACK ?
					   r->info.max_user_stack : 0,
					   o->stack_bytes);
		cfg.capture |= SONDE_CAPTURE_USER_STACK;
		cfg.user_stack_bytes = o->stack_bytes;
	}
	/*
	 * Task and mapping records make every process's name and image
	 * right even when it lived a few milliseconds; older modules get
	 * by with /proc snapshots alone.
	 */
	if (r->info.features & SONDE_FEAT_TASK_EVENTS)
		cfg.capture |= SONDE_CAPTURE_TASK_EVENTS;
	if (r->info.features & SONDE_FEAT_MMAP_EVENTS)
		cfg.capture |= SONDE_CAPTURE_MMAP;
	cfg.ring_pages = o->pages;
	if (o->nr_pids) {
		if (o->nr_pids > r->info.max_tgids)
			return usage_error("record: at most %u processes with -p",
					   r->info.max_tgids);
		cfg.nr_tgids = o->nr_pids;
		cfg.tgids_ptr = (__u64)(unsigned long)o->pids;
	} else if (o->command && !o->all) {
		pid = r->child;
		cfg.nr_tgids = 1;
		cfg.tgids_ptr = (__u64)(unsigned long)&pid;
		/* COMMAND's children and theirs, as perf's inherit does. */
		if (r->info.features & SONDE_FEAT_FOLLOW_FORKS)
			cfg.flags |= SONDE_CONFIG_FOLLOW_FORKS;
		else
			pr_warn("this module cannot follow forks: the command's child processes are not sampled");
	}
	if (o->off_cpu) {
		if (o->off_cpu_min_ns > r->info.max_period_ns)
			return usage_error("record: --off-cpu-min-us can be at most %llu (the module's max_period_ns)",
					   (unsigned long long)r->info.max_period_ns / 1000);
		cfg.flags |= SONDE_CONFIG_OFFCPU;
		cfg.offcpu_min_ns = o->off_cpu_min_ns;
	}
	if (r->cpumask) {
		cfg.cpumask_bytes = r->mask_words * sizeof(__u64);
		cfg.cpumask_ptr = (__u64)(unsigned long)r->cpumask;
	}
	r->capture = cfg.capture;
	err = sonde_dev_configure(r->dev_fd, &cfg);
	if (err == -EOPNOTSUPP && r->nr_counters)
		err = explain_events(r, &cfg);
	return err;
}

static int map_rings(struct recorder *r)
{
	unsigned int i;
	int err;

	for (i = 0; i < r->nr_rings; i++) {
		err = sonde_ring__map(&r->rings[i], r->dev_fd, &r->info,
				      r->cpus[i], r->o->pages);
		if (err) {
			pr_err("cannot map the ring of CPU %u: %s", r->cpus[i],
			       strerror(-err));
			return err;
		}
	}
	return 0;
}

static int open_output(struct recorder *r)
{
	int err = outfile__open(&r->out, r->o->output, 0600, true);

	if (err == -ESPIPE)
		pr_err("cannot write a recording to %s: it needs a file (or a device) that takes writes at offsets",
		       outfile__name(&r->out));
	else if (err)
		pr_err("cannot create %s: %s",
		       r->out.tmp ? r->out.tmp : outfile__name(&r->out),
		       strerror(-err));
	return err;
}

static int write_session(struct recorder *r)
{
	struct srec_session ss = { .size = sizeof(ss) };
	struct buf b = { 0 };
	char **a;
	size_t used = 0;
	int err;

	ss.info_size = sizeof(r->info);
	ss.start_mono_ns = now_ns(CLOCK_MONOTONIC);
	ss.start_real_ns = now_ns(CLOCK_REALTIME);
	r->start_ns = ss.start_mono_ns;
	ss.flags = (r->o->all ? SREC_SESSION_ALL : 0) |
		   (r->o->command ? SREC_SESSION_COMMAND : 0) |
		   (r->perf_mode ? SREC_SESSION_PERF_SOURCE : 0) |
		   (r->o->off_cpu ? SREC_SESSION_OFF_CPU : 0) |
		   (r->o->thread_time ? SREC_SESSION_THREAD_TIME : 0);
	ss.source = r->timer ? SONDE_SOURCE_TIMER : SONDE_SOURCE_PMU;
	ss.frequency = r->timer && !r->o->count ? r->o->freq : 0;
	ss.period_ns = r->timer ? r->o->count : 0;
	ss.capture = r->capture;
	ss.ring_pages = r->o->pages;
	ss.nr_tgids = r->o->command && !r->o->all ? 1 : r->o->nr_pids;
	srec_session__set_host(&ss);
	for (a = r->o->command; a && *a && used < sizeof(ss.command) - 1;
	     a++) {
		int n = snprintf(ss.command + used, sizeof(ss.command) - used,
				 "%s%s", used ? " " : "", *a);

		used += n;
	}
	err = buf__append(&b, &ss, sizeof(ss));
	if (!err)
		err = buf__append(&b, &r->info, sizeof(r->info));
	if (!err)
		err = rec_writer__add_section(r->writer, SREC_SEC_SESSION, 0,
					      b.data, b.len);
	buf__free(&b);
	if (!err && r->nr_counters)
		err = rec_writer__add_section(r->writer, SREC_SEC_SAMPLE_EVENTS,
					      0, r->counter_recs,
					      r->nr_counters *
					      sizeof(r->counter_recs[0]));
	return err;
}

/*
 * The vDSO is the same image in every process of this boot: keep ours so
 * report can symbolize [vdso] frames anywhere.
 */
static int write_vdso(struct recorder *r)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	char *maps, *line, *save;
	size_t len;
	int err = 0;

	if (!base || read_file("/proc/self/maps", &maps, &len))
		return 0;
	for (line = strtok_r(maps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, end;

		if (!strstr(line, "[vdso]") ||
		    sscanf(line, "%llx-%llx", &start, &end) != 2 ||
		    start != base)
			continue;
		err = rec_writer__add_section(r->writer, SREC_SEC_VDSO, 0,
					      (void *)base, end - start);
		break;
	}
	free(maps);
	return err;
}

/* ---- steady state ---- */

static void show_status(struct recorder *r, bool final)
{
	double secs = (now_ns(CLOCK_MONOTONIC) - r->start_ns) / 1e9;
	double mib = rec_writer__bytes(r->writer) / 1048576.0;

	if (final) {
		if (r->status_shown)
			fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[Ksonde: %.1fs  %llu samples  %llu lost  %.1f MiB",
		secs, (unsigned long long)r->samples,
		(unsigned long long)r->lost, mib);
	r->status_shown = true;
}


static void reap_child(struct recorder *r)
{
	int status;

	if (r->child <= 0 || r->child_done)
		return;
	if (waitpid(r->child, &status, WNOHANG) == r->child) {
		r->child_done = true;
		r->child_status = status;
	}
}

/*
 * Until it execs, the child is a copy of us, and it is sampled from START
 * on: the samples of its way into execve() need this image, not the one
 * it execs.  It is blocked reading go_fd, so its maps cannot change before
 * we let it go, and the snapshot's time is after any sample of it so far.
 */
static int snapshot_pre_exec(struct recorder *r)
{
	/*
	 * The child is not marked seen: the EXEC snapshot comes before the
	 * dynamic loader mapped the libraries, so the one taken when its
	 * samples are first drained is still needed (at the end, a command
	 * that exited has no maps left to read).
	 */
	return recorder__snapshot(r, r->child, SREC_PROC_PRE_EXEC);
}

/*
 * After exec the child's own image is what gets sampled: snapshot it.  The
 * exec pipe is close-on-exec: EOF means the exec is done, so the snapshot
 * taken right after it is after the exec too.
 */
static int wait_exec(struct recorder *r)
{
	int e = 0;
	ssize_t n;

	n = read(r->exec_fd, &e, sizeof(e));
	close(r->exec_fd);
	r->exec_fd = -1;
	if (n == sizeof(e)) {
		pr_err("cannot run '%s': %s", r->o->command[0], strerror(e));
		r->reported = true;
		return -e;
	}
	e = jitmaps__note_process(r->jitmaps, r->child);
	if (e)
		return e;
	return recorder__snapshot(r, r->child, SREC_PROC_EXEC);
}

static int run_loop(struct recorder *r)
{
	bool tty = !r->o->quiet && isatty(STDERR_FILENO);
	__u64 deadline = 0, last_flush = r->start_ns;
	struct signalfd_siginfo si;
	int ev, err;

	if (r->o->duration)
		deadline = r->start_ns + r->o->duration * 1e9;
	for (;;) {
		__u64 now;

		ev = loop__wait(r->loop, &si);
		if (ev < 0)
			return ev;
		err = recorder__drain(r);
		if (err)
			return err;
		now = now_ns(CLOCK_MONOTONIC);
		if (ev & LOOP_EV_SIGNAL) {
			if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
				return 0;
			reap_child(r);
		}
		if (r->child > 0 && r->child_done)
			return 0;
		if (deadline && now >= deadline)
			return 0;
		if (ev & LOOP_EV_TICK) {
			err = recorder__archive_recheck(r);
			if (err)
				return err;
			if (r->o->nr_pids &&
			    !target__any_alive(r->o->pids, r->pidfds,
					       r->o->nr_pids))
				return 0;
			if (tty)
				show_status(r, false);
			/* Keep what a crash would lose to about a second. */
			if (now - last_flush >= FLUSH_NS) {
				err = rec_writer__flush(r->writer);
				if (err)
					return err;
				last_flush = now;
			}
		}
	}
}

static int record(struct recorder *r)
{
	sigset_t mask;
	int err, stop_err;
	unsigned int i;

	err = r->o->source == RECORDER_SOURCE_PERF ? -ENOENT : open_device(r);
	if (err == -ENOENT && r->o->source == RECORDER_SOURCE_SONDE) {
		char why[256];

		if (modload__refusal("", why, sizeof(why)))
			pr_err("%s not found, and %s", SONDE_DEVICE, why);
		else
			pr_err("%s not found: load the module first: sudo insmod kmod/sonde.ko",
			       SONDE_DEVICE);
	} else if (err == -ENOENT) {
		err = recorder__perf_info(r);
	}
	if (err)
		return err;
	if (r->info.abi_version != SONDE_ABI_VERSION) {
		pr_err("the module speaks ABI version %u, this sonde speaks %u: rebuild one of them",
		       r->info.abi_version, SONDE_ABI_VERSION);
		return -EPROTO;
	}
	err = setup_cpus(r);
	if (err)
		return err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	r->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r->sig_fd < 0)
		return -errno;
	if (r->o->command) {
		err = start_child(r);
		if (err) {
			pr_err("cannot fork: %s", strerror(-err));
			return err;
		}
	}
	err = target__watch_open(r->o->pids, r->o->nr_pids, &r->pidfds);
	if (err)
		return err;
	for (i = 0; i < r->o->nr_pids && !err; i++)
		err = jitmaps__note_process(r->jitmaps, r->o->pids[i]);
	if (err)
		return err;
	if (r->o->off_cpu && !(r->info.features & SONDE_FEAT_OFFCPU))
		return usage_error("record: --off-cpu needs off-CPU samples from the module (SONDE_FEAT_OFFCPU)%s",
				   r->perf_mode ? ": perf_event_open has none; load sonde.ko" :
				   ": this sonde.ko has none, rebuild it");
	err = r->perf_mode ? recorder__perf_configure(r) : configure(r);
	if (err == -ESRCH) {
		pr_err("record: the process to sample exited before sampling could start");
		return err;
	}
	if (err) {
		if (err != -SONDE_EUSAGE && !r->perf_mode)
			pr_err("%s: CONFIGURE failed: %s", SONDE_DEVICE,
			       strerror(-err));
		return err;
	}
	err = r->perf_mode ? 0 : map_rings(r);
	if (err)
		return err;
	err = open_output(r);
	if (err)
		return err;
	err = loop__new(&r->loop, r->dev_fd, r->sig_fd, r->out.fd, TICK_MS,
			r->o->no_uring);
	if (err)
		return err;
	err = rec_writer__new(&r->writer, loop__sink(r->loop), CHUNK_SIZE,
			      NR_CHUNKS);
	if (err)
		return err;
	loop__set_writer(r->loop, r->writer);
	/* Fault the chunks in now, not in the first drains while rings fill. */
	rec_writer__prefault(r->writer);
	err = recorder__start_jobs(r);
	if (err) {
		pr_err("record: cannot start the thread for file work: %s",
		       strerror(-err));
		return err;
	}
	err = write_session(r);
	if (!err)
		err = write_vdso(r);
	if (err)
		goto out_write_err;

	err = r->perf_mode ? perfsource__enable(r->perf) :
			     sonde_dev_start(r->dev_fd);
	if (err) {
		pr_err("%s: START failed: %s", r->perf_mode ?
		       "perf_event_open" : SONDE_DEVICE, strerror(-err));
		return err;
	}
	if (r->o->command) {
		err = snapshot_pre_exec(r);
		if (err)
			goto out_write_err;
		/* Sampling runs: let the child exec. */
		if (write(r->go_fd, "g", 1) != 1)
			err = -errno;
		close(r->go_fd);
		r->go_fd = -1;
		if (!err)
			err = wait_exec(r);
	}
	if (!err)
		err = run_loop(r);

	/* Whatever ended the loop, stop and keep every record written. */
	stop_err = r->perf_mode ? perfsource__disable(r->perf) :
				  sonde_dev_stop(r->dev_fd);
	if (stop_err)
		pr_err("%s: STOP failed: %s", r->perf_mode ?
		       "perf_event_open" : SONDE_DEVICE, strerror(-stop_err));
	if (!err)
		err = recorder__drain(r);
	if (!err)
		err = recorder__write_final(r);
	if (!err)
		err = rec_writer__finish(r->writer);
	if (err)
		goto out_write_err;
	err = outfile__commit(&r->out);
	if (err) {
		pr_err("cannot write %s: %s", r->o->output, strerror(-err));
		return err;
	}
	return 0;

out_write_err:
	if (err != -SONDE_EUSAGE && !r->reported)
		pr_err("recording to %s failed: %s", r->o->output,
		       strerror(-err));
	return err;
}

static void cleanup(struct recorder *r)
{
	unsigned int i;

	if (r->child > 0 && !r->child_done) {
		/* Still running (-d, or we failed): it was ours to start. */
		if (r->go_fd >= 0)
			close(r->go_fd);
		kill(r->child, SIGTERM);
		waitpid(r->child, NULL, 0);
	}
	if (r->writer)
		rec_writer__finish(r->writer);
	rec_writer__free(r->writer);
	loop__free(r->loop);
	/* Never leave a half-written file behind under any name. */
	outfile__abort(&r->out);
	for (i = 0; r->rings && i < r->nr_rings; i++)
		sonde_ring__unmap(r->rings[i]);
	free(r->rings);
	perfsource__close(r->perf);
	free(r->cpus);
	free(r->cpumask);
	target__watch_close(r->pidfds, r->o->nr_pids);
	if (r->dev_fd >= 0)
		close(r->dev_fd);
	if (r->sig_fd >= 0)
		close(r->sig_fd);
	if (r->exec_fd >= 0)
		close(r->exec_fd);
	/* Before what its jobs use: it may be running one. */
	fs_worker__free(r->fsw);
	procmap__free(r->fs_procmap);
	procmap__free(r->procmap);
	archive__free(r->archive);
	jitmaps__free(r->jitmaps);
	seen_pids__free(&r->seen);
	buf__free(&r->scratch);
	buf__free(&r->events);
}

/* What the archive kept, and what it could not. */
static void say_archived(const struct recorder *r)
{
	unsigned int copied, failed;
	const char *why;

	why = archive__summary(r->archive, &copied, &failed);
	if (copied && !r->o->quiet)
		fprintf(stderr, "sonde: %u binaries kept by build-id in the archive%s\n",
			copied, r->o->archive ? "" :
			" (deleted or replaced while they ran)");
	if (failed)
		pr_warn("%u mapped binaries could not be archived (%s): their frames may stay unresolved once the files are gone",
			failed, why);
}

int recorder__run(const struct recorder_opts *o)
{
	struct recorder_opts opts = *o;
	struct recorder r = {
		.o = &opts, .dev_fd = -1, .sig_fd = -1, .out = { .fd = -1 },
		.go_fd = -1, .exec_fd = -1,
	};
	int err;

	seen_pids__init(&r.seen);
	err = procmap__new(&r.procmap, "/proc");
	if (!err)
		err = archive__new(&r.archive, opts.archive);
	if (!err)
		err = jitmaps__new(&r.jitmaps, "/proc");
	if (!err)
		err = record(&r);
	if (r.status_shown)
		show_status(&r, true);
	if (!err && !opts.quiet)
		recorder__say_summary(&r);
	if (!err && r.errors)
		pr_warn("%llu corrupt ring windows were dropped",
			(unsigned long long)r.errors);
	if (!err)
		say_archived(&r);
	if (!err && r.not_followed)
		pr_warn("%llu child processes were not sampled: the module follows at most 16384 processes per recording",
			(unsigned long long)r.not_followed);
	cleanup(&r);
	return err;
}
