/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lib layer: perf events by perf's names (perf list), as the type and
 * config of a struct perf_event_attr, and the counts read back from a
 * counting event.  A pure table and parser: nothing here opens an event
 * (record/counter.h does), so `stat -e` and a later `record -e` share it.
 *
 * Names: the software events task-clock, cpu-clock, page-faults (faults),
 * minor-faults, major-faults, context-switches (cs), cpu-migrations
 * (migrations); the generic hardware events cycles (cpu-cycles),
 * instructions, ref-cycles, cache-references, cache-misses, branches
 * (branch-instructions), branch-misses; and rNNNN, a raw PMU config of 1
 * to 16 hex digits (PERF_TYPE_RAW).  Case matters, as in perf.
 */
#ifndef SONDE_EVSPEC_H
#define SONDE_EVSPEC_H

#include <stdbool.h>
#include <linux/types.h>

/* The longest name kept: "r" and 16 hex digits, or a table name. */
#define EVSPEC_NAME_MAX	24

/* The event counts nanoseconds (task-clock, cpu-clock): shown in msec. */
#define EVSPEC_NSEC	0x1

/* One event to count. */
struct evspec {
	char name[EVSPEC_NAME_MAX];	/* as the user wrote it ("cs") */
	__u32 type;			/* PERF_TYPE_* */
	__u64 config;			/* PERF_COUNT_* or the raw config */
	unsigned int flags;		/* EVSPEC_* */
};

/*
 * evspec__parse - the event @name into *@spec.  Returns 0, -EINVAL for a
 * name perf's list does not have (or an empty one), -ERANGE for a raw
 * rNNNN of more than 16 hex digits.
 */
int evspec__parse(const char *name, struct evspec *spec);

/*
 * evspec__parse_list - the comma-separated names of @list ("cycles,cs")
 * appended to the array *@specs of *@nr entries (reallocated; NULL and 0
 * to start, the caller frees it).  On an error nothing is appended and
 * *@bad, *@bad_len (when not NULL) give the offending name within @list.
 * Returns 0, -EINVAL or -ERANGE as evspec__parse(), or -ENOMEM.
 */
int evspec__parse_list(const char *list, struct evspec **specs,
		       unsigned int *nr, const char **bad, size_t *bad_len);

/*
 * evspec__defaults - perf stat's default events (task-clock,
 * context-switches, cpu-migrations, page-faults, cycles, instructions,
 * branches, branch-misses) appended as evspec__parse_list() does.
 * Returns 0 or -ENOMEM.
 */
int evspec__defaults(struct evspec **specs, unsigned int *nr);

/* evspec__is - is @spec the event of @type and @config (whatever its name)? */
static inline bool evspec__is(const struct evspec *spec, __u32 type,
			      __u64 config)
{
	return spec->type == type && spec->config == config;
}

/*
 * One event's count, summed over its counters (CPUs or threads), as
 * read(2) gives it with PERF_FORMAT_TOTAL_TIME_ENABLED and _RUNNING.
 */
struct evcount {
	__u64 value;		/* events (nanoseconds for EVSPEC_NSEC) */
	__u64 enabled;		/* ns the counters were enabled */
	__u64 running;		/* ns they were on a PMU (< enabled: multiplexed) */
	int err;		/* 0, or the -errno that made it unsupported */
};

/*
 * evcount__scaled - @c's value scaled up to the whole enabled time when
 * the counters were multiplexed (value * enabled / running); 0 when they
 * never ran.
 */
double evcount__scaled(const struct evcount *c);

/*
 * evcount__delta - @now minus @prev, field by field (an interval of -I),
 * into *@out; @now's err is kept.  A field that went backwards gives 0.
 */
void evcount__delta(const struct evcount *now, const struct evcount *prev,
		    struct evcount *out);

#endif /* SONDE_EVSPEC_H */
