/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz targets share: the libFuzzer entry point's prototype and
 * a way to hand an input to code that opens files by path.
 */
#ifndef SONDE_FUZZ_H
#define SONDE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Strings found are measured into here, so that ASan checks that they end
 * inside their memory and the compiler cannot drop the strlen().
 */
static volatile size_t fuzz_sink;

/*
 * fuzz_file - @data (@size bytes) in a new memfd, whose path
 * ("/proc/self/fd/N", @path_size >= 32) goes into @path.  Returns the fd
 * to close() after use, or -1 (then the input is skipped).
 */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path,
			    size_t path_size)
{
	size_t done = 0;
	int fd = memfd_create("sonde-fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += n;
	}
	snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

/* The last 8 bytes of the input as a number (0 for shorter ones). */
static inline uint64_t fuzz_tail64(const uint8_t *data, size_t size)
{
	uint64_t v = 0;

	if (size >= sizeof(v))
		memcpy(&v, data + size - sizeof(v), sizeof(v));
	return v;
}

#endif /* SONDE_FUZZ_H */
