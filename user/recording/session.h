/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recording layer: a recording opened for analysis, perf's "session": its
 * metadata (the SESSION and END sections, the module's statistics, every
 * process snapshot, the kernel symbol text, the vDSO image) loaded once,
 * and walks over its ring records that count what they saw.  Nothing here
 * resolves an address: symbolize/ and profile/ do, on top of this.
 *
 * Single-threaded.  Diagnostics about the file itself (cut short, bad
 * sections) are printed once, as one line each, when it is opened.
 */
#ifndef SONDE_SESSION_H
#define SONDE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "recording/addrspace.h"
#include "recording/recording.h"

/* What the walks over records and the module's statistics counted. */
struct session_counts {
	__u64 samples;		/* SAMPLE records read */
	__u64 lost;		/* sum of LOST.nr_lost, UINT64_MAX at most */
	__u64 bad;		/* records skipped as inconsistent */
	__u64 unknown;		/* records of unknown type */
	__u64 corrupt_sections;	/* sections whose walk hit a bad size */
	/* From the module's per-CPU statistics (the STATS section): */
	bool has_stats;
	__u64 timer_missed;	/* timer periods that passed unsampled */
	__u64 handler_samples;	/* handler runs that produced a sample */
	__u64 handler_ns_total;
	__u64 ring_records;	/* records the module wrote, LOST excluded */
	__u64 ring_bytes;	/* bytes of records it wrote, LOST included */
	__u64 handler_ns_max;
};

/* What is known of the kernel's symbols in a recording. */
enum session_kallsyms {
	SESSION_KALLSYMS_MISSING,	/* no usable KALLSYMS section */
	SESSION_KALLSYMS_RESTRICTED,	/* captured, but addresses were zeroed */
	SESSION_KALLSYMS_PRESENT,
};

struct session;

/*
 * session__open - open the recording at @path and load its metadata;
 * warns (one line each) when the file was cut short or a metadata
 * section is unusable.  Returns 0, -EBADMSG (not a recording, or its
 * header is corrupt), -EPROTONOSUPPORT (another format version),
 * -ENOMEM, or the -errno of opening or reading the file.
 */
int session__open(struct session **s, const char *path);
/* session__open() that also says on stderr why a recording cannot be read. */
int session__open_verbose(struct session **s, const char *path);
void session__close(struct session *s);

const char *session__path(const struct session *s);
/* NULL when the recording has no (complete) SESSION section. */
const struct srec_session *session__info(const struct session *s);
const struct srec_end *session__end(const struct session *s);
/*
 * session__period_ns - the time one sample stands for, in ns: the
 * recorded period, or 1 s / frequency; 0 when the recording says neither.
 */
__u64 session__period_ns(const struct session *s);
/*
 * session__period_at - the time a sample of @cpu taken at @time_ns stands
 * for, in ns: the period the overhead limit's THROTTLE and UNTHROTTLE
 * records (uapi/sonde.h, struct sonde_throttle) set on that CPU by then,
 * else session__period_ns().
 */
__u64 session__period_at(const struct session *s, __u32 cpu, __u64 time_ns);
/* How many THROTTLE and UNTHROTTLE records the recording has. */
size_t session__nr_throttles(const struct session *s);

/*
 * struct session_event - a counter the recording sampled on, from its
 * SAMPLE_EVENTS section: @name (printable, not empty), @nsec (periods are
 * nanoseconds: cpu-clock, task-clock), and the rest as recorded.
 */
struct session_event {
	char name[SREC_EVENT_NAME_LEN];
	bool nsec;
	__u32 type;
	__u64 config;
	__u64 period;
	__u32 frequency;
};

/*
 * session__events - the recording's counters (index: a sample's
 * sonde_sample_event.event), *@nr of them; NULL and 0 for a recording of
 * the timer alone.  session__has_timer() says whether the timer sampled
 * too (its samples carry no SONDE_SAMPLE_EVENT).
 */
const struct session_event *session__events(const struct session *s,
					    unsigned int *nr);
bool session__has_timer(const struct session *s);

/*
 * session__nr_samples_hint - how many samples the END section says were
 * written, bounded by how many the file could hold: an untrusted count
 * to size arrays by, never to rely on.
 */
__u64 session__nr_samples_hint(const struct session *s);

/*
 * session__iter_records - call @cb for every ring record of a known
 * type in file order (a record's memory is valid only during its call).
 * Recounts session__counts() on each walk: they are final once it
 * returned 0.  Returns 0, -errno, or the first non-zero value of @cb.
 */
int session__iter_records(struct session *s, rec_record_cb_t cb, void *ctx);
const struct session_counts *session__counts(const struct session *s);

/*
 * Streams: a recording's RECORDS sections are chunks of its CPUs' rings,
 * interleaved in the order the recorder drained them; the sections of one
 * CPU, in file order, are that CPU's ring in order, so its samples come in
 * the order they were taken.  A stream is one such CPU, numbered from 0 in
 * CPU order.  session__nr_streams() says how many there are.
 *
 * session_section_cb_t - called before the records of each RECORDS
 * section with its @stream and whether it is the @last section of that
 * stream in the file (after its records, nothing more of the stream
 * comes).  A section the file grew by after it was opened is not named.
 * Returns 0 to go on, else the walk ends with that value.
 */
typedef int (*session_section_cb_t)(unsigned int stream, bool last,
				    void *ctx);
unsigned int session__nr_streams(const struct session *s);
/*
 * session__walk_records - session__iter_records() that also calls
 * @section (NULL: none) at the start of each RECORDS section.
 */
int session__walk_records(struct session *s, rec_record_cb_t cb,
			  session_section_cb_t section, void *ctx);

/*
 * session__find_proc - the recorded process @pid and, in *@gen, the
 * snapshot that describes it at @time_ns (CLOCK_MONOTONIC): the first
 * taken at or after that time, else the last one.  Around an exec, time
 * alone cannot tell two images apart (record sees the exec only once it
 * is over), so when @user_addr (a user address the sample ran at; 0:
 * none) is not mapped in that snapshot, the nearest snapshot that maps
 * it wins.  NULL when @pid was never snapshotted; *@gen is 0 then, and
 * also when the process has no snapshot.
 */
struct proc *session__find_proc(struct session *s, __u32 pid, __u64 time_ns,
				__u64 user_addr, unsigned int *gen);

/*
 * session__thread_comm - what thread @tid was called at @time_ns, as the
 * module's FORK, EXEC and COMM records tell (pthread_setname_np() names
 * included); NULL when they do not (no such record before then, or a
 * recording without them).  Printable, valid until session__close().
 */
const char *session__thread_comm(const struct session *s, __u32 tid,
				 __u64 time_ns);

/*
 * session__kallsyms_text - the text of the last KALLSYMS section that
 * inflates (a bad one is named on stderr and the one before it tried),
 * inflated into a NUL-terminated buffer the caller frees; *@payload (when
 * @payload is not NULL) gets the payload of the section it came from, as
 * session__kallsyms_payload() gives it.  Returns 0, -ENOENT (see
 * session__kallsyms()), -EBADMSG, -EFBIG (the recording's zlib sections
 * together would inflate past 1 GiB; both say so in one line on stderr)
 * or -ENOMEM.
 */
int session__kallsyms_text(struct session *s, char **text, size_t *len,
			   const void **payload);
/*
 * session__kallsyms_payload - the flags (SREC_SF_*) and payload of the
 * last KALLSYMS section as stored (compressed or not), into *@flags,
 * *@data and *@size, valid while @s is:
 * the section session__kallsyms_text() tries first.  Returns 0 or
 * -ENOENT.
 */
int session__kallsyms_payload(const struct session *s, __u32 *flags,
			      const void **data, size_t *size);
/*
 * session__kallsyms_charge - take from the recording's inflate budget
 * what session__kallsyms_text() would to inflate the last KALLSYMS
 * section, for a caller that has its table from a cache: the sections
 * inflated after it then meet the same budget as without the cache.
 * Returns 0, or -ENOENT, -EBADMSG or -EFBIG as rec_section__charge()
 * (then nothing is taken, and session__kallsyms_text() says why).
 */
int session__kallsyms_charge(struct session *s);
enum session_kallsyms session__kallsyms(const struct session *s);
/*
 * struct session_perfmap - a JIT's perf map as recorded (SREC_SEC_PERFMAP):
 * @text, @len bytes (NUL-terminated, untrusted), of process @pid.
 */
struct session_perfmap {
	struct srec_perfmap hdr;
	const char *text;
	size_t len;
};

typedef int (*session_perfmap_cb_t)(const struct session_perfmap *pm,
				    void *ctx);

/*
 * session__iter_perfmaps - inflate the PERFMAP sections one at a time, in
 * file order, and call @cb for each (@pm is valid during the call only).
 * A section that does not inflate is named in one line and skipped.
 * Returns 0, -ENOMEM, or the first non-zero value of @cb.
 */
int session__iter_perfmaps(struct session *s, session_perfmap_cb_t cb,
			   void *ctx);

/*
 * struct session_jitdump - a JIT's jitdump as recorded (SREC_SEC_JITDUMP):
 * found at @path (NUL-terminated, untrusted) in process @pid's root,
 * @data and @len bytes of it (untrusted).
 */
struct session_jitdump {
	struct srec_jitdump hdr;
	const char *path;
	const void *data;
	size_t len;
};

typedef int (*session_jitdump_cb_t)(const struct session_jitdump *jd,
				    void *ctx);

/* session__iter_jitdumps - as session__iter_perfmaps(), for JITDUMPs. */
int session__iter_jitdumps(struct session *s, session_jitdump_cb_t cb,
			   void *ctx);

/* The recorded vDSO image (SREC_SEC_VDSO), or NULL with *@size 0. */
const void *session__vdso(const struct session *s, size_t *size);
/*
 * session__file_identity - what the file mapped at @path was while it ran
 * (FILES section: recorded for files without a build-id).  Returns the
 * entry, or NULL when none was recorded.
 */
const struct srec_file *session__file_identity(const struct session *s,
					       const char *path);

#endif /* SONDE_SESSION_H */
