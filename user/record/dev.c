// SPDX-License-Identifier: GPL-2.0
/*
 * Record layer: the ioctl wrappers for /dev/sonde: fill in @size,
 * translate the -1/errno convention into negative errno values.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "record/dev.h"

int sonde_dev_open(void)
{
	int fd = open(SONDE_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int dev_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int sonde_dev_get_info(int fd, struct sonde_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return dev_ioctl(fd, SONDE_IOC_GET_INFO, info);
}

int sonde_dev_configure(int fd, const struct sonde_config *cfg)
{
	struct sonde_config c = *cfg;

	c.size = sizeof(c);
	return dev_ioctl(fd, SONDE_IOC_CONFIGURE, &c);
}

int sonde_dev_start(int fd)
{
	return ioctl(fd, SONDE_IOC_START, 0) ? -errno : 0;
}

int sonde_dev_stop(int fd)
{
	return ioctl(fd, SONDE_IOC_STOP, 0) ? -errno : 0;
}

int sonde_dev_get_stats(int fd, struct sonde_cpu_stats *stats,
			__u32 *nr_cpus)
{
	struct sonde_stats st = {
		.size = sizeof(st),
		.nr_cpus = *nr_cpus,
		.stats_size = sizeof(*stats),
		.cpu_stats_ptr = (__u64)(unsigned long)stats,
	};
	int err = dev_ioctl(fd, SONDE_IOC_GET_STATS, &st);

	*nr_cpus = st.nr_cpus;
	return err;
}

int sonde_dev_snapshot(int fd, struct sonde_snapshot *req)
{
	req->size = sizeof(*req);
	return dev_ioctl(fd, SONDE_IOC_SNAPSHOT, req);
}
