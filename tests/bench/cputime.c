// SPDX-License-Identifier: GPL-2.0
/*
 * CPU time and peak memory of one command, to the microsecond (GNU
 * time's %U and %S print hundredths), for tests/bench/symbolize.sh.
 *
 *   cputime [-i IN] [-o OUT] CMD [ARG...]
 *
 * Runs CMD with standard input from IN (default: inherited) and standard
 * output to OUT (default: /dev/null), waits for it and prints
 * "USER_US SYS_US MAXRSS_KIB STATUS LEFT_US NVCSW NIVCSW" on standard
 * output: NVCSW and NIVCSW count the voluntary context switches (how often
 * it slept: its wakeups) and the involuntary ones.  Exits 0 when CMD could
 * be run, whatever its status.
 *
 * The times are CMD's and its descendants': those CMD waited for are in
 * what wait4() returns; those it left running when it exited (perf exits
 * without waiting for its addr2line) come back here, a child subreaper,
 * and are waited for and added.  LEFT_US is their part (user + system).
 * The peak RSS is the largest process's.  (tests/bench/reader.sh uses it
 * inside guests too.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

static long long usec(const struct timeval *tv)
{
	return tv->tv_sec * 1000000LL + tv->tv_usec;
}

int main(int argc, char **argv)
{
	const char *in = NULL, *out = "/dev/null";
	struct rusage ru, left;
	long long left_us = 0;
	int opt, status;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+i:o:")) != -1) {
		switch (opt) {
		case 'i':
			in = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: cputime [-i IN] [-o OUT] CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		perror("PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		int fd;

		if (in) {
			fd = open(in, O_RDONLY);
			if (fd < 0 || dup2(fd, 0) < 0) {
				perror(in);
				_exit(127);
			}
			close(fd);
		}
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0) {
			perror(out);
			_exit(127);
		}
		close(fd);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "cputime: %s: %s\n", argv[optind],
			strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 1;
	}
	while (wait4(-1, NULL, 0, &left) > 0) {
		timeradd(&ru.ru_utime, &left.ru_utime, &ru.ru_utime);
		timeradd(&ru.ru_stime, &left.ru_stime, &ru.ru_stime);
		left_us += usec(&left.ru_utime) + usec(&left.ru_stime);
		ru.ru_nvcsw += left.ru_nvcsw;
		ru.ru_nivcsw += left.ru_nivcsw;
		if (left.ru_maxrss > ru.ru_maxrss)
			ru.ru_maxrss = left.ru_maxrss;
	}
	if (errno != ECHILD) {
		perror("wait4");
		return 1;
	}
	printf("%lld %lld %ld %d %lld %ld %ld\n", usec(&ru.ru_utime),
	       usec(&ru.ru_stime), ru.ru_maxrss, WIFEXITED(status) ?
	       WEXITSTATUS(status) : 128 + WTERMSIG(status), left_us,
	       ru.ru_nvcsw, ru.ru_nivcsw);
	return 0;
}
