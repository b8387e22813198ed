/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recording layer, private: the state of an opened recording, shared by
 * session.c (loading the metadata, the queries) and session-records.c
 * (the walks over ring records and their streams).  Not for other
 * layers or files.
 */
#ifndef SONDE_SESSION_INTERNAL_H
#define SONDE_SESSION_INTERNAL_H

#include "lib/hmap.h"
#include "recording/session.h"

/* What the zlib sections of one recording may inflate to, together. */
#define MAX_INFLATED_TOTAL	(1ULL << 30)

/* On a section_stream entry: the last RECORDS section of its stream. */
#define STREAM_LAST	(1U << 31)

struct session {
	struct rec_reader *reader;
	struct srec_session info;
	bool has_info;
	struct srec_end end;
	bool has_end;
	struct rec_section *kallsyms;	/* every usable one, in file order */
	unsigned int nr_kallsyms;
	bool kallsyms_restricted;
	const void *vdso;
	size_t vdso_size;
	struct hmap procs;	/* pid -> struct proc */
	/* Processes by pid, direct-mapped: samples revisit a few at a time. */
	struct {
		__u32 pid;
		struct proc *proc;
	} proc_cache[1024];
	struct hmap comms;	/* interned process names */
	struct hmap files;	/* path -> struct srec_file (FILES) */
	struct task_events *events;	/* EVENTS sections */
	struct rec_section *perfmaps;	/* PERFMAP sections, in file order */
	unsigned int nr_perfmaps;
	struct rec_section *jitdumps;	/* JITDUMP sections, in file order */
	unsigned int nr_jitdumps;
	/*
	 * Per RECORDS section, in file order: the stream (CPU) it belongs
	 * to, with STREAM_LAST on the last section of its stream.
	 */
	__u32 *section_stream;
	size_t nr_sections;
	unsigned int nr_streams;
	struct session_event *sample_events;	/* SAMPLE_EVENTS */
	unsigned int nr_sample_events;
	struct session_counts counts;
	__u64 inflate_budget;	/* bytes all zlib sections may still take */
	unsigned int bad_process;	/* sections skipped */
};

/*
 * session__find_streams - number the CPUs that have RECORDS sections and
 * find each one's last (s->section_stream).  0, -EFBIG or -ENOMEM.
 */
int session__find_streams(struct session *s);

#endif /* SONDE_SESSION_INTERNAL_H */
