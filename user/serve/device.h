/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serve layer: the state of /dev/sonde as the server sees it now, for
 * /metrics, /counters and the refusals of GET /stacks.
 *
 * The module admits one opener at a time and keeps its counters per
 * opener (uapi/sonde.h: struct sonde_cpu_stats is "for the current
 * session"; a session that has not configured has no rings, and
 * GET_STATS then reads zero on every CPU, kmod/session.c).  So the live
 * counters of a recording belong to the one process that holds the
 * device, and a probe that opens a free device can learn only that it is
 * free and what the module is (GET_INFO): that is all serve_device__probe()
 * asks.  The recordings' counters come from their files once they end
 * (metrics.h).
 *
 * A probe holds the device for the microseconds of open, GET_INFO and
 * close; the server probes only while none of its own requests uses the
 * device (under its lock, see server__device()), and another program
 * that opens it in those microseconds is refused EBUSY as against any
 * other user.
 */
#ifndef SONDE_SERVE_DEVICE_H
#define SONDE_SERVE_DEVICE_H

#include <linux/types.h>

/* What a probe found. */
enum serve_device_state {
	SERVE_DEVICE_ABSENT,	/* no /dev/sonde: the module is not loaded */
	SERVE_DEVICE_FREE,	/* opened and closed: nobody holds it */
	SERVE_DEVICE_SERVER,	/* held by this server's own child */
	SERVE_DEVICE_OTHER,	/* held by another program (EBUSY) */
	SERVE_DEVICE_ERROR,	/* could not be opened otherwise (EACCES...) */
	SERVE_NR_DEVICE_STATES
};

/*
 * struct serve_device - a probe's answer.
 * @state: as above
 * @err: the open's or GET_INFO's -errno for SERVE_DEVICE_ERROR
 * @abi_version, @nr_cpu_ids, @features: GET_INFO's, when @state is
 *	SERVE_DEVICE_FREE (0 otherwise)
 */
struct serve_device {
	enum serve_device_state state;
	int err;
	__u32 abi_version;
	__u32 nr_cpu_ids;
	__u64 features;
};

/*
 * serve_device__probe - open /dev/sonde, ask GET_INFO, close.  Never
 * returns SERVE_DEVICE_SERVER: the caller knows what it holds.
 */
void serve_device__probe(struct serve_device *d);

/* The state's name as /metrics and /counters.json say it ("free"). */
const char *serve_device__name(enum serve_device_state state);

#endif /* SONDE_SERVE_DEVICE_H */
