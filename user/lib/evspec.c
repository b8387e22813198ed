// SPDX-License-Identifier: GPL-2.0
/*
 * Lib layer: perf's event names as perf_event_attr type and config, and
 * count arithmetic (evspec.h).  The table is constant; nothing is kept
 * between calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>

#include "lib/evspec.h"
#include "lib/util.h"

struct evname {
	const char *name;
	__u32 type;
	__u64 config;
	unsigned int flags;
};

#define SW(n, c, f)	{ n, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_##c, f }
#define HW(n, c)	{ n, PERF_TYPE_HARDWARE, PERF_COUNT_HW_##c, 0 }

/* perf list's names, aliases after the name they stand for. */
static const struct evname evnames[] = {
	SW("task-clock", TASK_CLOCK, EVSPEC_NSEC),
	SW("cpu-clock", CPU_CLOCK, EVSPEC_NSEC),
	SW("page-faults", PAGE_FAULTS, 0),
	SW("faults", PAGE_FAULTS, 0),
	SW("minor-faults", PAGE_FAULTS_MIN, 0),
	SW("major-faults", PAGE_FAULTS_MAJ, 0),
	SW("context-switches", CONTEXT_SWITCHES, 0),
	SW("cs", CONTEXT_SWITCHES, 0),
	SW("cpu-migrations", CPU_MIGRATIONS, 0),
	SW("migrations", CPU_MIGRATIONS, 0),
	HW("cycles", CPU_CYCLES),
	HW("cpu-cycles", CPU_CYCLES),
	HW("instructions", INSTRUCTIONS),
	HW("ref-cycles", REF_CPU_CYCLES),
	HW("cache-references", CACHE_REFERENCES),
	HW("cache-misses", CACHE_MISSES),
	HW("branches", BRANCH_INSTRUCTIONS),
	HW("branch-instructions", BRANCH_INSTRUCTIONS),
	HW("branch-misses", BRANCH_MISSES),
};

static const char *const default_events[] = {
	"task-clock", "context-switches", "cpu-migrations", "page-faults",
	"cycles", "instructions", "branches", "branch-misses",
};

/* rNNNN: 1 to 16 hex digits after the r. */
static int parse_raw(const char *name, size_t len, struct evspec *spec)
{
	__u64 config = 0;
	size_t i;

	if (len < 2)
		return -EINVAL;
	for (i = 1; i < len; i++) {
		char c = name[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		config = config << 4 | d;
	}
	if (len - 1 > 16)
		return -ERANGE;
	spec->type = PERF_TYPE_RAW;
	spec->config = config;
	spec->flags = 0;
	return 0;
}

/* The first @len bytes of @name (not NUL-terminated) into *@spec. */
static int parse_name(const char *name, size_t len, struct evspec *spec)
{
	unsigned int i;
	int err;

	memset(spec, 0, sizeof(*spec));
	if (!len)
		return -EINVAL;
	if (len >= EVSPEC_NAME_MAX)
		return name[0] == 'r' ? parse_raw(name, len, spec) : -EINVAL;
	for (i = 0; i < ARRAY_SIZE(evnames); i++) {
		if (strlen(evnames[i].name) == len &&
		    !memcmp(evnames[i].name, name, len)) {
			spec->type = evnames[i].type;
			spec->config = evnames[i].config;
			spec->flags = evnames[i].flags;
			break;
		}
	}
	if (i == ARRAY_SIZE(evnames)) {
		err = name[0] == 'r' ? parse_raw(name, len, spec) : -EINVAL;
		if (err)
			return err;
	}
	memcpy(spec->name, name, len);
	spec->name[len] = '\0';
	return 0;
}

int evspec__parse(const char *name, struct evspec *spec)
{
	return parse_name(name, strlen(name), spec);
}

int evspec__parse_list(const char *list, struct evspec **specs,
		       unsigned int *nr, const char **bad, size_t *bad_len)
{
	unsigned int n = 1, i;
	struct evspec *arr;
	const char *p;
	int err;

	for (p = list; *p; p++)
		n += *p == ',';
	arr = realloc(*specs, (*nr + n) * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	*specs = arr;
	p = list;
	for (i = 0; i < n; i++) {
		size_t len = strcspn(p, ",");

		err = parse_name(p, len, &arr[*nr + i]);
		if (err) {
			if (bad)
				*bad = p;
			if (bad_len)
				*bad_len = len;
			return err;
		}
		p += len + (p[len] == ',');
	}
	*nr += n;
	return 0;
}

int evspec__defaults(struct evspec **specs, unsigned int *nr)
{
	unsigned int n = ARRAY_SIZE(default_events);
	unsigned int i;
	struct evspec *arr;

	arr = realloc(*specs, (*nr + n) * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	*specs = arr;
	for (i = 0; i < n; i++)
		evspec__parse(default_events[i], &arr[*nr + i]);
	*nr += n;
	return 0;
}

double evcount__scaled(const struct evcount *c)
{
	if (!c->running)
		return 0;
	if (c->running >= c->enabled)
		return (double)c->value;
	return (double)c->value * c->enabled / c->running;
}

static __u64 sub0(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

void evcount__delta(const struct evcount *now, const struct evcount *prev,
		    struct evcount *out)
{
	out->value = sub0(now->value, prev->value);
	out->enabled = sub0(now->enabled, prev->enabled);
	out->running = sub0(now->running, prev->running);
	out->err = now->err;
}
