// SPDX-License-Identifier: GPL-2.0
/*
 * Serve layer: the probe of /dev/sonde (device.h), through the record
 * layer's ioctl wrappers.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "record/dev.h"
#include "serve/device.h"

void serve_device__probe(struct serve_device *d)
{
	struct sonde_info info;
	int fd, err;

	memset(d, 0, sizeof(*d));
	fd = sonde_dev_open();
	if (fd == -ENOENT || fd == -ENODEV || fd == -ENXIO) {
		d->state = SERVE_DEVICE_ABSENT;
		return;
	}
	if (fd == -EBUSY) {
		d->state = SERVE_DEVICE_OTHER;
		return;
	}
	if (fd < 0) {
		d->state = SERVE_DEVICE_ERROR;
		d->err = fd;
		return;
	}
	err = sonde_dev_get_info(fd, &info);
	close(fd);
	if (err) {
		d->state = SERVE_DEVICE_ERROR;
		d->err = err;
		return;
	}
	d->state = SERVE_DEVICE_FREE;
	d->abi_version = info.abi_version;
	d->nr_cpu_ids = info.nr_cpu_ids;
	d->features = info.features;
}

const char *serve_device__name(enum serve_device_state state)
{
	static const char *const names[SERVE_NR_DEVICE_STATES] = {
		[SERVE_DEVICE_ABSENT] = "absent",
		[SERVE_DEVICE_FREE] = "free",
		[SERVE_DEVICE_SERVER] = "this_server",
		[SERVE_DEVICE_OTHER] = "other",
		[SERVE_DEVICE_ERROR] = "error",
	};

	return state < SERVE_NR_DEVICE_STATES ? names[state] : "error";
}
