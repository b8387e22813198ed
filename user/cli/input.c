// SPDX-License-Identifier: GPL-2.0
/*
 * CLI layer: the input and filters report, script and export share
 * (input.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/input.h"
#include "lib/evspec.h"
#include "lib/util.h"

static const struct option shared_longopts[] = {
	{ "pid", required_argument, NULL, INPUT_OPT_PID },
	{ "tid", required_argument, NULL, INPUT_OPT_TID },
	{ "comm", required_argument, NULL, INPUT_OPT_COMM },
	{ "cpu", required_argument, NULL, INPUT_OPT_CPU },
	{ "time", required_argument, NULL, INPUT_OPT_TIME },
	{ "symfs", required_argument, NULL, INPUT_OPT_SYMFS },
	{ "inline", no_argument, NULL, INPUT_OPT_INLINE },
	{ "no-inline", no_argument, NULL, INPUT_OPT_NO_INLINE },
	{ "no-demangle", no_argument, NULL, INPUT_OPT_NO_DEMANGLE },
	{ "kernel-only", no_argument, NULL, INPUT_OPT_KERNEL_ONLY },
	{ "user-only", no_argument, NULL, INPUT_OPT_USER_ONLY },
	{ "event", required_argument, NULL, INPUT_OPT_EVENT },
	{ "weight", required_argument, NULL, INPUT_OPT_WEIGHT },
	{ }
};

int input__init(struct input *in, const struct option *own)
{
	size_t n = 0, m = ARRAY_SIZE(shared_longopts);

	memset(in, 0, sizeof(*in));
	in->path = "sonde.data";
	in->cmd = "sonde";
	while (own[n].name)
		n++;
	in->longopts = calloc(n + m, sizeof(*in->longopts));
	if (!in->longopts)
		return -ENOMEM;
	memcpy(in->longopts, own, n * sizeof(*in->longopts));
	memcpy(in->longopts + n, shared_longopts, m * sizeof(*in->longopts));
	return 0;
}

/* "START,END" in seconds, either side may be empty. */
static int parse_time_range(const char *arg, __u64 *start, __u64 *end)
{
	const char *comma = strchr(arg, ',');
	double lo = 0, hi = INFINITY;
	char *first;
	int err = 0;

	if (!comma)
		return -EINVAL;
	first = strndup(arg, comma - arg);
	if (!first)
		return -ENOMEM;
	if (*first)
		err = parse_double(first, &lo);
	if (!err && comma[1])
		err = parse_double(comma + 1, &hi);
	free(first);
	if (err || lo < 0 || hi < 0 || lo > hi || !(lo < 1.8e10))
		return -EINVAL;
	/* Rounded: 8.2 s is 8200000000 ns, not 8199999999. */
	*start = llround(lo * 1e9);
	*end = hi >= 1.8e10 ? UINT64_MAX : (__u64)llround(hi * 1e9);
	return 0;
}

/*
 * An id list for a filter: *@owned holds it (the last one given wins),
 * *@list and *@nr are the filter's view of it.
 */
static int take_ids(const char *cmd, const char *need, const char *arg,
		    __u32 **owned, const __u32 **list, unsigned int *nr)
{
	free(*owned);
	*owned = NULL;
	*list = NULL;
	*nr = 0;
	if (parse_id_list(arg, owned, nr))
		return usage_error("%s: %s, not '%s'", cmd, need, arg);
	*list = *owned;
	return 0;
}

int input__parse_opt(struct input *in, const char *cmd, int opt,
		     const char *arg)
{
	struct profile_filter *f = &in->filter;
	enum profile_frames frames;

	switch (opt) {
	case INPUT_OPT_PID:
		return take_ids(cmd, "--pid needs process ids (PID[,PID...])",
				arg, &in->pids, &f->pids, &f->nr_pids);
	case INPUT_OPT_TID:
		return take_ids(cmd, "--tid needs thread ids (TID[,TID...])",
				arg, &in->tids, &f->tids, &f->nr_tids);
	case INPUT_OPT_COMM:
		f->comm = arg;
		return 0;
	case INPUT_OPT_CPU:
		memset(in->cpus, 0, sizeof(in->cpus));
		if (parse_cpu_list(arg, in->cpus, INPUT_MAX_CPUS))
			return usage_error("%s: --cpu needs a CPU list below %u such as 0,2-3, not '%s'",
					   cmd, INPUT_MAX_CPUS, arg);
		f->cpus = in->cpus;
		f->nr_cpu_bits = INPUT_MAX_CPUS;
		return 0;
	case INPUT_OPT_TIME:
		if (parse_time_range(arg, &f->time_start_ns, &f->time_end_ns))
			return usage_error("%s: --time needs START,END in seconds from the start (either may be empty), not '%s'",
					   cmd, arg);
		f->has_time = true;
		return 0;
	case INPUT_OPT_SYMFS: {
		struct stat st;

		/* A typo would leave every frame unresolved, silently. */
		if (!*arg || stat(arg, &st) || !S_ISDIR(st.st_mode))
			return usage_error("%s: --symfs needs a directory, not '%s'",
					   cmd, arg);
		in->symfs = arg;
		return 0;
	}
	case INPUT_OPT_INLINE:
	case INPUT_OPT_NO_INLINE:
		in->no_inline = opt == INPUT_OPT_NO_INLINE;
		return 0;
	case INPUT_OPT_NO_DEMANGLE:
		in->no_demangle = true;
		return 0;
	case INPUT_OPT_EVENT:
		if (!*arg)
			return usage_error("%s: --event needs an event name", cmd);
		in->event = arg;
		return 0;
	case INPUT_OPT_WEIGHT:
		if (!strcmp(arg, "cpu"))
			in->weight = INPUT_WEIGHT_CPU;
		else if (!strcmp(arg, "off"))
			in->weight = INPUT_WEIGHT_OFF;
		else if (!strcmp(arg, "wall"))
			in->weight = INPUT_WEIGHT_WALL;
		else
			return usage_error("%s: --weight needs cpu, off or wall, not '%s'",
					   cmd, arg);
		return 0;
	case INPUT_OPT_KERNEL_ONLY:
	case INPUT_OPT_USER_ONLY:
		frames = opt == INPUT_OPT_KERNEL_ONLY ? PROFILE_FRAMES_KERNEL :
							PROFILE_FRAMES_USER;
		if (f->frames != PROFILE_FRAMES_ALL && f->frames != frames)
			return usage_error("%s: --kernel-only and --user-only exclude each other",
					   cmd);
		f->frames = frames;
		return 0;
	}
	return usage_error("%s: unknown option", cmd);
}

/*
 * The events --event or --weight choose (profile_filter.events): --event
 * names one, "cpu-clock" (the timer), "offcpu-time", or a counter by its
 * recorded name or any of its names (lib/evspec.h).  --weight off is the
 * off-CPU waits, wall the timer's samples and the waits (marked), cpu
 * the rest.  Without either, outputs that tell events apart
 * (in->all_events) show them all; for the others, a recording of record
 * --thread-time is shown as wall, else they take the timer's samples, or
 * the first counter's when the timer did not sample, and say so when
 * there are others.
 * Returns 0 or -SONDE_EUSAGE (said).
 */
static int choose_event(struct input *in, const char *cmd)
{
	unsigned int nr, i;
	const struct session_event *ev = session__events(in->session, &nr);
	const struct srec_session *info = session__info(in->session);
	__u32 off = profile__offcpu_event_of(in->session);
	bool timer = session__has_timer(in->session);
	char names[(SONDE_MAX_EVENTS + 2) * (SREC_EVENT_NAME_LEN + 2) + 1];
	struct profile_filter *f = &in->filter;
	struct evspec spec;
	__u64 on_cpu;

	snprintf(names, sizeof(names), "%s", timer ? ", cpu-clock" : "");
	for (i = 0; i < nr; i++) {
		size_t used = strlen(names);

		snprintf(names + used, sizeof(names) - used, ", %s", ev[i].name);
	}
	if (off)
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 ", offcpu-time");
	if (in->event && in->weight)
		return usage_error("%s: --event and --weight exclude each other",
				   cmd);
	if (in->weight >= INPUT_WEIGHT_OFF && !off)
		return usage_error("%s: --weight %s: %s has no off-CPU samples (record with --off-cpu or --thread-time)",
				   cmd, in->weight == INPUT_WEIGHT_OFF ? "off" :
				   "wall", in->path);
	if (!in->event && !in->weight) {
		if (in->all_events)
			return 0;
		in->weight = INPUT_WEIGHT_CPU;
		if (off && info && (info->flags & SREC_SESSION_THREAD_TIME) &&
		    timer)
			in->weight = INPUT_WEIGHT_WALL;
	}
	on_cpu = (PROFILE_EVENT_BIT(nr + 1) - 1) & ~(timer ? 0 : 1);
	switch (in->event ? INPUT_WEIGHT_DEFAULT : in->weight) {
	case INPUT_WEIGHT_WALL:
		if (!timer)
			return usage_error("%s: --weight wall needs the timer's samples (cpu-clock), which %s has not",
					   cmd, in->path);
		f->has_event = true;
		f->events = PROFILE_EVENT_BIT(0) | PROFILE_EVENT_BIT(off);
		f->mark_offcpu = true;
		return 0;
	case INPUT_WEIGHT_OFF:
		f->has_event = true;
		f->events = PROFILE_EVENT_BIT(off);
		return 0;
	case INPUT_WEIGHT_CPU:
		if (in->all_events) {
			f->has_event = off != 0;
			f->events = on_cpu;
			return 0;
		}
		if (!nr && !off)
			return 0;
		f->has_event = true;
		f->events = PROFILE_EVENT_BIT(timer ? 0 : 1);
		if (timer || nr > 1 || off)
			pr_warn("%s: %s samples only, of %s (--event NAME for another%s)",
				cmd, timer ? "cpu-clock" : ev[0].name,
				names + 2, off ? ", --weight off|wall" : "");
		return 0;
	default:
		break;
	}
	f->has_event = true;
	if (!strcmp(in->event, "cpu-clock") && timer) {
		f->events = PROFILE_EVENT_BIT(0);
		return 0;
	}
	if (!strcmp(in->event, "offcpu-time") && off) {
		in->weight = INPUT_WEIGHT_OFF;
		f->events = PROFILE_EVENT_BIT(off);
		return 0;
	}
	for (i = 0; i < nr; i++)
		if (!strcmp(in->event, ev[i].name) ||
		    (!evspec__parse(in->event, &spec) &&
		     evspec__is(&spec, ev[i].type, ev[i].config))) {
			f->events = PROFILE_EVENT_BIT(i + 1);
			return 0;
		}
	return usage_error("%s: --event %s: the recording was not sampled on it (it has %s)",
			   cmd, in->event, names + 2);
}

/* The writer's sink; its error is told apart from a failed read. */
static int input_sink(const struct profile *p, const struct profile_sample *s,
		      void *ctx)
{
	struct input *in = ctx;

	in->sink_err = in->sink(p, s, in->sink_ctx);
	return in->sink_err;
}

int input__open(struct input *in)
{
	const struct profile_options po = {
		.filter = &in->filter,
		.keep = in->keep,
		.sink = in->sink ? input_sink : NULL,
		.sink_ctx = in,
	};
	struct symbolizer_opts so = {
		.debug_root = getenv("SONDE_DEBUG_ROOT"),
		.symfs = in->symfs,
		.no_inline = in->no_inline,
		.no_lines = !in->lines,
		.no_demangle = in->no_demangle,
	};
	int err;

	err = session__open_verbose(&in->session, in->path);
	if (err)
		return err;
	err = choose_event(in, in->cmd);
	if (err)
		return err;
	err = symbolizer__new(&in->symbolizer, in->session, &so);
	if (!err)
		err = profile__build_opts(&in->profile, in->session,
					  in->symbolizer, &po);
	if (err && (!in->sink_err || err != in->sink_err))
		pr_err("reading %s: %s", in->path, strerror(-err));
	if (!err && in->profile->bad_event)
		pr_warn("%s: %llu samples name a counter the recording does not list: skipped",
			in->path, (unsigned long long)in->profile->bad_event);
	return err;
}

void input__close(struct input *in)
{
	profile__free(in->profile);
	symbolizer__free(in->symbolizer);
	session__close(in->session);
	free(in->pids);
	free(in->tids);
	free(in->longopts);
	in->longopts = NULL;
	in->profile = NULL;
	in->symbolizer = NULL;
	in->session = NULL;
	in->pids = in->tids = NULL;
}

int input__write_error(const struct input *in, int err, FILE *out,
		       const char *name, bool is_stdout)
{
	if (err == -EPIPE && is_stdout)
		return 0;
	if (ferror(out))
		pr_err("writing %s: %s", name, strerror(-err));
	else
		pr_err("reading %s: %s", in->path, strerror(-err));
	return err;
}
