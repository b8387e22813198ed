/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recording layer: the sonde recording file: its on-disk layout, the
 * writer that produces it and the reader that walks it.
 *
 * docs/recording-format.md is the prose version of this header.  A file is
 * a struct srec_file_header followed by sections, each a struct
 * srec_section_header and @size payload bytes padded to 8.  Every section
 * stands alone, so a file cut short at any byte still yields every section
 * (and every ring record) that was written completely before the cut.
 * All integers are little endian (the only byte order sonde records on).
 */
#ifndef SONDE_RECORDING_H
#define SONDE_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "sonde.h"

#define SREC_MAGIC		"SONDEREC"
#define SREC_VERSION		1

struct srec_file_header {
	char magic[8];
	__u32 version;
	__u32 header_size;	/* sections start at this offset */
	__u64 flags;		/* none defined: 0 */
	__u64 __reserved;
};

struct srec_section_header {
	__u32 type;		/* SREC_SEC_* */
	__u32 flags;		/* SREC_SF_* */
	__u64 size;		/* payload bytes, without the padding to 8 */
};

/* Section types.  Readers skip types they do not know. */
#define SREC_SEC_SESSION	1	/* struct srec_session + sonde_info */
#define SREC_SEC_RECORDS	2	/* struct srec_records + ring records */
#define SREC_SEC_PROCESS	3	/* struct srec_process + srec_map[] */
#define SREC_SEC_KALLSYMS	4	/* text: /proc/kallsyms text symbols */
#define SREC_SEC_MODULES	5	/* text: /proc/modules */
#define SREC_SEC_STATS		6	/* struct srec_stats + entries */
#define SREC_SEC_VDSO		7	/* the vDSO ELF image */
#define SREC_SEC_END		8	/* struct srec_end: the file is complete */
/*
 * struct srec_records + the ring records of one CPU other than SAMPLE
 * and LOST (FORK, EXEC, EXIT, COMM, MMAP), in ring order: small, and
 * loaded with the metadata, because the MMAP record a sample needs
 * comes after it in its ring.
 */
#define SREC_SEC_EVENTS		9
/*
 * struct srec_perfmap + the text of a JIT's perf map (see below), zlib:
 * one per process whose samples hit anonymous executable memory.
 */
#define SREC_SEC_PERFMAP	10
/*
 * struct srec_files + struct srec_file entries: what mapped files without
 * a build-id were (inode, size, modification time) while they ran.
 */
#define SREC_SEC_FILES		11
/*
 * struct srec_jitdump, the dump's path, then the bytes of a JIT's
 * jitdump (see below), zlib: one per process that keeps one.
 */
#define SREC_SEC_JITDUMP	12

/*
 * struct srec_sample_event[]: the perf counters the recording sampled on
 * besides (or, with srec_session.source SONDE_SOURCE_PMU, instead of)
 * the timer, in sonde_config.events_ptr order: a SAMPLE record with
 * SONDE_SAMPLE_EVENT names one by its index here.
 */
#define SREC_SEC_SAMPLE_EVENTS	13

/* Section flags. */
#define SREC_SF_ZLIB		(1U << 0) /* payload: __u64 raw size + zlib data */
#define SREC_SF_RESTRICTED	(1U << 1) /* KALLSYMS: addresses were zeroed */

/*
 * The KALLSYMS section keeps the /proc/kallsyms lines of text symbols
 * only (types t, T, w, W): only those can hold a sampled address.
 */
static inline bool srec_kallsyms_type_is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

/* srec_session.flags */
#define SREC_SESSION_ALL	(1U << 0)	/* -a */
#define SREC_SESSION_COMMAND	(1U << 1)	/* -- COMMAND */
/*
 * Sampled through perf_event_open(2), not /dev/sonde (record's fallback,
 * record/perfsource.h): the SAMPLE and LOST records were converted from
 * perf's; the sonde_info after the session describes what perf offered;
 * there are no task, MMAP or THROTTLE records and no STATS section.
 */
#define SREC_SESSION_PERF_SOURCE (1U << 2)
/*
 * --off-cpu: the module wrote off-CPU samples (SONDE_CONFIG_OFFCPU), SAMPLE
 * records whose sonde_sample_event.event is SONDE_EVENT_OFFCPU and whose
 * period is the wait in ns; readers call that event "offcpu-time", as
 * perf's --off-cpu does.
 */
#define SREC_SESSION_OFF_CPU	(1U << 3)
/*
 * --thread-time: off-CPU samples as above, to be shown by default with
 * the on-CPU ones as one wall-clock profile.
 */
#define SREC_SESSION_THREAD_TIME (1U << 4)

#define SREC_UTS_LEN		72

struct srec_session {
	__u32 size;		/* sizeof() of this struct as written */
	__u32 info_size;	/* bytes of struct sonde_info after it */
	__u64 start_mono_ns;	/* CLOCK_MONOTONIC at START, like samples */
	__u64 start_real_ns;	/* CLOCK_REALTIME at START */
	__u32 flags;		/* SREC_SESSION_* */
	__u32 source;		/* sonde_config as configured */
	__u32 frequency;
	__u32 capture;
	__u64 period_ns;
	__u32 ring_pages;
	__u32 nr_tgids;
	char sysname[SREC_UTS_LEN];
	char nodename[SREC_UTS_LEN];
	char release[SREC_UTS_LEN];
	char version[SREC_UTS_LEN];
	char machine[SREC_UTS_LEN];
	char command[256];	/* the recorded command line, truncated */
};

/* srec_sample_event.flags */
#define SREC_EVENT_NSEC		(1U << 0) /* its periods are nanoseconds */

#define SREC_EVENT_NAME_LEN	32

struct srec_sample_event {
	__u32 type;		/* perf_event_attr.type */
	__u32 flags;		/* SREC_EVENT_* */
	__u64 config;		/* perf_event_attr.config */
	__u64 period;		/* events per sample, or 0 */
	__u32 frequency;	/* samples per second per CPU, or 0 */
	__u32 __reserved;
	char name[SREC_EVENT_NAME_LEN];	/* perf's name, NUL-terminated */
};

struct srec_records {
	__u32 cpu;		/* every record below belongs to this CPU */
	__u32 __reserved;
	/* followed by ring records, byte for byte as read from the ring */
};

/* srec_process.flags */
#define SREC_PROC_FINAL		(1U << 0) /* taken when the session ended */
#define SREC_PROC_EXEC		(1U << 1) /* taken after -- COMMAND exec'ed */
#define SREC_PROC_NO_MAPS	(1U << 2) /* maps unreadable (gone, kthread) */
#define SREC_PROC_PRE_EXEC	(1U << 3) /* -- COMMAND before its exec */

#define SREC_BUILD_ID_MAX	20

struct srec_process {
	__u32 pid;		/* thread-group id */
	__u32 nr_maps;
	__u64 time_ns;		/* CLOCK_MONOTONIC of the snapshot */
	__u32 flags;		/* SREC_PROC_* */
	__u32 __reserved;
	char comm[32];
	/* followed by @nr_maps struct srec_map */
};

struct srec_map {
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u32 path_len;		/* bytes of path, without its NUL */
	__u8 build_id_size;	/* 0: none found */
	__u8 __reserved[3];
	__u8 build_id[24];
	/* followed by the path, NUL terminated and padded to 8 */
};

/*
 * struct srec_files - the payload of a FILES section: @nr_files entries of
 * @entry_size bytes each (at least sizeof(struct srec_file)), each
 * followed by its path.  A file without a build-id cannot prove it is the
 * one that ran; its identity can: a report compares it with the file at
 * the path, which `cp` over the file or a rebuild changes even when the
 * inode stays.
 */
struct srec_files {
	__u32 nr_files;
	__u32 entry_size;
};

struct srec_file {
	__u64 ino;
	__u64 size;		/* bytes */
	__s64 mtime_sec;	/* st_mtim */
	__u32 mtime_nsec;
	__u32 dev;		/* st_dev, as MMAP records encode it */
	__u32 path_len;		/* bytes of the path, without its NUL */
	__u32 __reserved;
	/* followed by the path, NUL terminated and padded to 8 */
};

/* srec_perfmap.flags */
#define SREC_PERFMAP_CUT	(1U << 0) /* the file was larger than the cap */

/* Bytes of a perf map record keeps; the rest is dropped (SREC_PERFMAP_CUT). */
#define SREC_PERFMAP_MAX	(64U << 20)

/*
 * struct srec_perfmap - the payload of a PERFMAP section, followed by
 * the text of /tmp/perf-@ns_pid.map as process @pid saw it (read through
 * /proc/@pid/root), whole lines only, not NUL-terminated.  Kept in the
 * recording because the file is the only record of a JIT's code, and its
 * process may delete it (or the machine may be another) by report time.
 * Readers take the last section of a pid.
 */
struct srec_perfmap {
	__u32 pid;		/* thread-group id, as samples name it */
	__u32 ns_pid;		/* the same in its own pid namespace */
	__u64 time_ns;		/* CLOCK_MONOTONIC when the file was read */
	__u64 file_size;	/* bytes the file held then */
	__u32 flags;		/* SREC_PERFMAP_* */
	__u32 __reserved;
};

/* srec_jitdump.flags */
#define SREC_JITDUMP_CUT	(1U << 0) /* the file was larger than the cap */

/* Bytes of a jitdump record keeps; the rest is dropped (SREC_JITDUMP_CUT). */
#define SREC_JITDUMP_MAX	(256U << 20)

/*
 * struct srec_jitdump - the payload of a JITDUMP section, followed by the
 * path the dump was found at in process @pid's root (@path_size bytes,
 * NUL-terminated, padded to 8), then the dump's bytes as read, the last
 * record maybe unfinished.  Kept for the reasons a perf map is.  Readers
 * take the last section of a pid.
 */
struct srec_jitdump {
	__u32 pid;		/* thread-group id, as samples name it */
	__u32 ns_pid;		/* the same in its own pid namespace */
	__u64 time_ns;		/* CLOCK_MONOTONIC when the file was read */
	__u64 file_size;	/* bytes the file held then */
	__u32 flags;		/* SREC_JITDUMP_* */
	__u32 path_size;	/* bytes of path after this, padding included */
};

struct srec_stats {
	__u32 nr_cpus;		/* entries */
	__u32 stats_size;	/* bytes of sonde_cpu_stats per entry */
	/* followed by @nr_cpus times: __u32 cpu, __u32 pad, stats */
};

struct srec_end {
	__u64 time_ns;		/* CLOCK_MONOTONIC at STOP */
	__u64 nr_samples;	/* SAMPLE records written */
	__u64 nr_lost;		/* sum of LOST.nr_lost */
	__u64 nr_errors;	/* corrupt ring data dropped */
};

/* ---- writer ---- */

/*
 * struct rec_sink - where the writer's chunks go.  @submit takes ownership
 * of @buf until it calls rec_writer__done() for it (maybe from inside
 * @submit); @wait blocks until at least one submitted buffer is done.
 */
struct rec_sink {
	int (*submit)(void *ctx, void *buf, size_t len, __u64 off);
	int (*wait)(void *ctx);
	void *ctx;
};

struct rec_writer;

int rec_writer__new(struct rec_writer **w, const struct rec_sink *sink,
		    size_t chunk_size, unsigned int nr_chunks);
/*
 * rec_writer__prefault - touch every page of the writer's chunks now
 * (they are malloc()ed, so untouched until first written).  sonde record
 * calls it before START: otherwise the first drains, while the rings
 * fill, pay a page fault (and the page's clearing) for every 4 KiB they
 * copy.
 */
void rec_writer__prefault(struct rec_writer *w);
/* The uname() of this host into @ss (left as it is if uname() fails). */
void srec_session__set_host(struct srec_session *ss);
/* A writer that pwrite()s synchronously to @fd from offset 0. */
int rec_writer__new_fd(struct rec_writer **w, int fd);
void rec_writer__free(struct rec_writer *w);

int rec_writer__add_section(struct rec_writer *w, __u32 type, __u32 flags,
			    const void *payload, size_t len);
/* Like add_section, but deflates @payload (SREC_SF_ZLIB is added). */
int rec_writer__add_section_z(struct rec_writer *w, __u32 type, __u32 flags,
			      const void *payload, size_t len);
/* Append ring records of @cpu; consecutive calls share one section. */
int rec_writer__append_records(struct rec_writer *w, __u32 cpu,
			       const void *data, size_t len);
/* Submit the chunk being filled (periodically, so a crash loses little). */
int rec_writer__flush(struct rec_writer *w);
/* Submit what is buffered, then wait until every write is done. */
int rec_writer__finish(struct rec_writer *w);
void rec_writer__done(struct rec_writer *w, void *buf, int res);
__u64 rec_writer__bytes(const struct rec_writer *w);

/* ---- reader ---- */

struct rec_reader;
struct rec_section;

/* Iteration callbacks: 0 goes on, anything else stops and is returned. */
typedef int (*rec_section_cb_t)(const struct rec_section *sec, void *ctx);
typedef int (*rec_record_cb_t)(const struct sonde_record_header *rec,
			     void *ctx);

/*
 * struct rec_section - one section, as handed to a rec_section_cb_t.
 * @data: the payload, aligned to 8.  How long it stays valid depends on
 *	the type:
 *	- SREC_SEC_RECORDS: only until the callback returns.  The reader
 *	  reads RECORDS payloads from the file at each walk into one buffer
 *	  it reuses for the next one; copy what must outlive the callback.
 *	- every other type (SESSION, PROCESS, KALLSYMS, MODULES, STATS,
 *	  VDSO, END, unknown): until rec_reader__close(); these are read
 *	  once, at rec_reader__open(), and the same bytes are handed out at
 *	  every walk.
 *	A struct rec_section copied out of a callback (for
 *	rec_section__payload() later) is usable as long as its @data is.
 * @size: payload bytes available at @data (bounded by the file)
 * @offset: file offset of the section header
 * @truncated: the file ends inside this payload, as far as this reader
 *	could read it
 */
struct rec_section {
	__u32 type;
	__u32 flags;
	const void *data;
	__u64 size;
	__u64 offset;
	bool truncated;
};

/*
 * rec_reader__open - open the recording at @path (a regular file).  It
 * reads every section header, and the payload of every section but the
 * RECORDS ones, and keeps them until rec_reader__close(); it keeps the
 * file open too, for the RECORDS payloads that every walk reads (so a
 * reader holds the metadata of a recording, not its samples).  The file
 * is read, never mapped.  A file cut inside its header is a recording
 * with no sections (rec_reader__header_cut()).  Returns 0, -EBADMSG when
 * it is not a recording (or its header is corrupt), -EPROTONOSUPPORT for
 * another format version, or -errno.
 */
int rec_reader__open(struct rec_reader **r, const char *path);
void rec_reader__close(struct rec_reader *r);
/*
 * rec_reader__iter_sections - call @cb for every section in file order,
 * a truncated last one included (with ->truncated set).  The ->data of a
 * RECORDS section is valid only until @cb returns (see struct
 * rec_section); each call reads the RECORDS payloads again.  If the file
 * changed since rec_reader__open() (shrank, or a RECORDS section header
 * is no longer the same), the walk treats what it cannot read as the end
 * of a cut file: a short payload is a truncated section, and a section
 * whose header is gone or changed ends the walk before it (it is not
 * passed to @cb).  rec_reader__size(), rec_reader__complete_end() and
 * rec_reader__has_end() then describe the file as far as this walk read
 * it.  Returns 0, a negative errno (a read error, -ENOMEM), or the first
 * non-zero value @cb returned.
 */
int rec_reader__iter_sections(struct rec_reader *r, rec_section_cb_t cb,
			      void *ctx);
/*
 * rec_reader__iter_meta - rec_reader__iter_sections() without the RECORDS
 * sections: every other section, from what rec_reader__open() read,
 * without reading the file again.  The sizes of RECORDS sections are
 * taken from their headers as read at open.
 */
int rec_reader__iter_meta(struct rec_reader *r, rec_section_cb_t cb,
			  void *ctx);
/*
 * File size (as the reads found it: lowered when the file shrank), and
 * where the complete sections end (== size if whole), as of the last walk.
 */
/*
 * rec_reader__records_cpus - srec_records.cpu of every RECORDS section
 * rec_reader__open() found, in file order (UINT32_MAX for one too short
 * to say), and in *@nr their number: what a walk will hand out, unless
 * the file shrank since.  Valid until rec_reader__close().
 */
const __u32 *rec_reader__records_cpus(const struct rec_reader *r, size_t *nr);
__u64 rec_reader__size(const struct rec_reader *r);
__u64 rec_reader__complete_end(const struct rec_reader *r);
bool rec_reader__has_end(const struct rec_reader *r);
/* The file ends inside its 32-byte header: a recording with no section. */
bool rec_reader__header_cut(const struct rec_reader *r);
const char *rec_reader__path(const struct rec_reader *r);

/*
 * rec_section__payload - inflate a SREC_SF_ZLIB payload (or copy a plain
 * one) into a NUL-terminated buffer the caller frees.  Inflated sizes are
 * bounded per section (-EBADMSG); with @budget (bytes, may be NULL) also
 * across calls: a section that does not fit in what is left is refused
 * with -EFBIG, and what one inflates is taken from it.
 */
int rec_section__payload(const struct rec_section *s, char **out,
			 size_t *len, __u64 *budget);

/*
 * rec_section__charge - take from @budget (bytes, not NULL) what
 * rec_section__payload() would take to inflate @s, without inflating it:
 * for a caller that has what the payload holds from elsewhere (a cache
 * keyed by the payload's bytes), so that a file's sections are bounded
 * the same whether or not a cache answered.  Returns 0, -EBADMSG or
 * -EFBIG as rec_section__payload() would before inflating (a zlib stream
 * that does not inflate to its raw size is not found here).
 */
int rec_section__charge(const struct rec_section *s, __u64 *budget);

/*
 * struct rec_record_stats - what a walk over ring records found.
 * @bad: records skipped because their content was inconsistent
 * @stopped_at: offset inside the payload where a record header was unusable
 *	(size 0, misaligned or past the end); -1 when the walk finished
 */
struct rec_record_stats {
	__u64 records;
	__u64 unknown;
	__u64 bad;
	__s64 stopped_at;
};

/*
 * rec_records__iter - walk ring records in @data.  Returns 0, or the
 * first non-zero value of @cb.  Unknown types are skipped; a bad size stops
 * the walk (and is reported in @st): it can not be resynchronized.
 */
int rec_records__iter(const void *data, size_t len, rec_record_cb_t cb,
			  void *ctx, struct rec_record_stats *st);

/*
 * sonde_record__check - validate the record at @p with @avail bytes
 * readable.  Returns its size, or -EBADMSG when the header is unusable.
 * Sets *@bad when the header is fine but the body is inconsistent.
 */
long sonde_record__check(const void *p, __u64 avail, bool *bad);

#endif /* SONDE_RECORDING_H */
