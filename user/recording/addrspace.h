/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recording layer: a recorded process over time: its snapshots (taken
 * before and after an exec, when first seen, at the end), the executable
 * mappings of each, and finding which mapping held an address at a given
 * snapshot.  Single-threaded; built while a session loads.
 */
#ifndef SONDE_ADDRSPACE_H
#define SONDE_ADDRSPACE_H

#include <stdbool.h>
#include <linux/types.h>

struct map {
	__u64 start;		/* [start, end) in the process, start < end */
	__u64 end;
	__u64 pgoff;		/* file offset of @start */
	const char *path;	/* points into the recording */
	const unsigned char *build_id;
	__u8 build_id_size;
};

/*
 * map__is_anon - @m maps no file: anonymous memory, which recordings name
 * "" or "//anon" (JIT code, perf's name) or "[heap]"-like; the vDSO
 * ("[vdso]") counts as a file (its image is recorded).
 */
bool map__is_anon(const struct map *m);

/*
 * map__cmp - order mappings by start, end, offset, path and build-id;
 * 0 when they are the same mapping of the same file.
 */
int map__cmp(const struct map *m, const struct map *n);

/*
 * struct snapshot - a process's executable mappings as known at @time_ns:
 * read from /proc by the recorder, or gathered from the module's MMAP
 * records of one exec epoch (then @time_ns is the epoch's end).
 * @epoch: how many times the process had exec'ed by then (0 when the
 *	recording has no EXEC record of it); snapshots of one epoch
 *	describe one image, and a mapping is never taken from another's
 */
struct snapshot {
	__u64 time_ns;
	unsigned int seq;	/* order added, among equal times */
	unsigned int epoch;
	__u32 flags;		/* SREC_PROC_* */
	const char *comm;
	struct map *maps;	/* sorted by start once added */
	__u32 nr_maps;
};

struct map_index;

struct proc {
	__u32 pid;
	struct snapshot *snaps;	/* sorted by time after proc__finish() */
	unsigned int nr_snaps;
	unsigned int cap_snaps;
	struct map_index *index;	/* every snapshot's maps, built lazily */
};

/* Room for a recorded comm, NUL included. */
#define SNAPSHOT_COMM_LEN	33

/*
 * snapshot__parse - a SREC_SEC_PROCESS payload (@data, @size bytes, from
 * an untrusted file) into @snap: its mappings (an allocated array that
 * points into @data; empty ones skipped, the list cut at the first one
 * that does not fit), *@pid, and its comm, printable, in @comm.
 * snap->comm is left NULL for the caller.  Returns 0, -EBADMSG or -ENOMEM.
 */
int snapshot__parse(struct snapshot *snap, const void *data, __u64 size,
		    __u32 *pid, char comm[SNAPSHOT_COMM_LEN]);

/*
 * proc__add_snapshot - append @snap; @p owns snap->maps from now on (freed
 * even on failure).  Amortized O(1); call proc__finish() once all are in.
 * Returns 0 or -ENOMEM.
 */
int proc__add_snapshot(struct proc *p, const struct snapshot *snap);

/* Sort the snapshots by time (file order among equal times). */
void proc__finish(struct proc *p);

/*
 * proc__snapshot_at - index of the first snapshot taken at or after
 * @time_ns, else of the last one.  @p must have a snapshot.  O(log n).
 */
unsigned int proc__snapshot_at(const struct proc *p, __u64 time_ns);

/*
 * proc__epoch_range - the snapshots of @p in @epoch: [*@first, *@last];
 * false when it has none.  @p finished.  O(log n).
 */
bool proc__epoch_range(const struct proc *p, unsigned int epoch,
		       unsigned int *first, unsigned int *last);

/*
 * proc__find_map - the mapping of @addr in snapshot @gen or, failing that,
 * in the snapshot of the same epoch nearest to @gen that maps it (the
 * earlier one at equal distance: an image that was replaced is likelier
 * than one to come).
 * *@found is the snapshot it was found in.  NULL when no snapshot maps
 * @addr.  O(log n) in the maps of @gen; a miss there costs O(log n) in
 * all distinct mappings of @p plus the ones containing @addr.
 */
struct map *proc__find_map(struct proc *p, unsigned int gen, __u64 addr,
			   unsigned int *found);

/* Free what @p holds, and @p. */
void proc__free(struct proc *p);

#endif /* SONDE_ADDRSPACE_H */
