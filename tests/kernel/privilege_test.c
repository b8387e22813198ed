// SPDX-License-Identifier: GPL-2.0
/*
 * sonde kernel tests: who may use the device and what they see.  The
 * capability open() demands, the rights a passed descriptor carries, the
 * kernel addresses an opener may see, against what perf would allow the
 * same process under each perf_event_paranoid (the matrix below).
 *
 * Relies on: root (to drop privileges, change perf_event_paranoid and
 * load a BPF LSM program), and on the rules of kernel/events/core.c and
 * include/linux/perf_event.h of Debian's 6.1 and 6.12, quoted where used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <grp.h>
#include <stdio.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include "kselftest_harness.h"
#include "helpers.h"

/* Descriptor passing over a unix socket (SCM_RIGHTS). */
static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * An opener with every right, passing the descriptor to a process with
 * none: that process cannot open the device itself, yet the descriptor
 * works for it (the capability lives in the file), and what it records
 * follows the opener's rights: kernel addresses and chains included.
 */
TEST(passed_descriptor_keeps_openers_rights)
{
	struct session_result r;
	int sv[2], fd, status;
	char ack = 'a';
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fd = dev_open();
	ASSERT_GE(fd, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int cfd;

		close(fd);
		memset(&r, 0, sizeof(r));
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			r.err = -errno;
		} else {
			/* No rights of its own left. */
			cfd = dev_open();
			if (cfd >= 0 || (cfd != -EACCES && cfd != -EPERM)) {
				r.err = cfd >= 0 ? -EEXIST : cfd;
			} else {
				cfd = recv_fd(sv[1]);
				if (cfd < 0)
					r.err = cfd;
				else
					run_session(cfd, &r);
			}
		}
		if (write(sv[1], &r, sizeof(r)) != sizeof(r) ||
		    read(sv[1], &ack, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(0, send_fd(sv[0], fd));
	close(fd);
	ASSERT_EQ(sizeof(r), read(sv[0], &r, sizeof(r)));
	/* The receiver's copy holds the session: the device stays busy. */
	EXPECT_EQ(-EBUSY, dev_open());
	ASSERT_EQ(1, write(sv[0], &ack, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ksft_print_msg("receiver: %llu samples, %llu in kernel or idle, %llu with a kernel chain\n",
		       (unsigned long long)r.v.samples,
		       (unsigned long long)r.v.kctx,
		       (unsigned long long)r.v.with_chain);
	ASSERT_EQ(0, r.err) TH_LOG("receiver failed at step %d: %s", r.step,
				   strerror(-r.err));
	EXPECT_TRUE(r.features & SONDE_FEAT_KERNEL_ALLOWED);
	EXPECT_GT(r.v.kctx, 0);
	EXPECT_EQ(0, r.v.hidden);
	EXPECT_EQ(0, r.v.ip_zero);
	EXPECT_EQ(r.v.kctx, r.v.with_chain);
	EXPECT_GT(r.v.kaddrs, 0);
	EXPECT_EQ(0, r.bad_records);
	EXPECT_EQ(0, r.bad_cpu);
	/* Gone with the receiver's exit: the device opens again. */
	fd = dev_open();
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		close(fd);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Does the running kernel have a global, exported perf_allow_kernel()?
 * 6.12 does; on 6.1 it is a static inline over unexported symbols, so
 * the module cannot consult it there.
 */
static bool kernel_exports(const char *sym)
{
	char line[512], want[256], type;
	unsigned long long addr;
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), "__ksymtab_%s", sym);
	while (!found && fgets(line, sizeof(line), f)) {
		char name[256];

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
		    !strcmp(name, want))
			found = true;
	}
	fclose(f);
	return found;
}

/* The BTF type id of a FUNC in vmlinux, and its number of arguments. */
static int btf_func(const char *name, uint32_t *id, uint32_t *nargs)
{
	const struct btf_header *h;
	const uint8_t *types, *end;
	const char *strs;
	uint32_t *offs = NULL, n = 0, cap = 0;
	size_t len = 0, got;
	uint8_t *buf = NULL;
	int ret = -ENOENT;
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "r");

	if (!f)
		return -errno;
	do {
		buf = realloc(buf, len + (1 << 20));
		if (!buf) {
			fclose(f);
			return -ENOMEM;
		}
		got = fread(buf + len, 1, 1 << 20, f);
		len += got;
	} while (got);
	fclose(f);
	h = (const void *)buf;
	if (len < sizeof(*h) || h->magic != BTF_MAGIC ||
	    h->hdr_len + (uint64_t)h->str_off + h->str_len > len) {
		free(buf);
		return -EINVAL;
	}
	types = buf + h->hdr_len + h->type_off;
	end = types + h->type_len;
	strs = (const char *)buf + h->hdr_len + h->str_off;
	/* Type ids start at 1; keep each type's offset to follow links. */
	while (types < end) {
		const struct btf_type *t = (const void *)types;
		uint32_t vlen = BTF_INFO_VLEN(t->info);
		size_t extra = 0;

		if (n + 2 > cap) {
			cap = cap ? 2 * cap : 65536;
			offs = realloc(offs, cap * sizeof(*offs));
			if (!offs) {
				free(buf);
				return -ENOMEM;
			}
		}
		offs[++n] = types - buf;
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_INT:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
			extra = 4;
			break;
		case BTF_KIND_ARRAY:
			extra = sizeof(struct btf_array);
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			extra = vlen * sizeof(struct btf_member);
			break;
		case BTF_KIND_ENUM:
			extra = vlen * sizeof(struct btf_enum);
			break;
		case BTF_KIND_FUNC_PROTO:
			extra = vlen * sizeof(struct btf_param);
			break;
		case BTF_KIND_DATASEC:
			extra = vlen * sizeof(struct btf_var_secinfo);
			break;
		case 19:	/* BTF_KIND_ENUM64 */
			extra = vlen * 12;
			break;
		default:
			break;
		}
		types += sizeof(*t) + extra;
		if (BTF_INFO_KIND(t->info) == BTF_KIND_FUNC &&
		    t->name_off < h->str_len &&
		    !strcmp(strs + t->name_off, name))
			*id = n;
	}
	if (*id && *id <= n) {
		const struct btf_type *fn = (const void *)(buf + offs[*id]);

		if (fn->type && fn->type <= n) {
			const struct btf_type *proto =
				(const void *)(buf + offs[fn->type]);

			*nargs = BTF_INFO_VLEN(proto->info);
			ret = 0;
		}
	}
	free(offs);
	free(buf);
	return ret;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
	.src_reg = (s), .off = (o), .imm = (i) })

/*
 * A BPF LSM program on the perf_event_open hook that refuses kernel
 * access (PERF_SECURITY_KERNEL, 2) to one thread group and allows
 * everything else: the policy perf_allow_kernel() consults after the
 * capability.  Returns the attachment's fd (closing it detaches the
 * program) or -errno, with the reason in @why.
 */
static int deny_kernel_to(pid_t tgid, char *why, size_t whylen)
{
	static char log[65536];
	uint32_t id = 0, nargs = 0;
	union bpf_attr attr;
	int prog, link, ret;

	ret = btf_func("bpf_lsm_perf_event_open", &id, &nargs);
	if (ret || !nargs) {
		snprintf(why, whylen, "no BTF for bpf_lsm_perf_event_open: %s",
			 strerror(ret ? -ret : EINVAL));
		return ret ?: -EINVAL;
	}
	/* The hook's last argument is the type: its u64 slot in ctx. */
	struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),	/* r6 = ctx */
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_pid_tgid),
		INSN(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 32),	/* r0 = tgid */
		INSN(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 4, tgid),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 6, 8 * (nargs - 1), 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 2, 2),	/* KERNEL? */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -EACCES),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_LSM;
	attr.expected_attach_type = BPF_LSM_MAC;
	attr.attach_btf_id = id;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = ARRAY_SIZE(insns);
	attr.license = (uintptr_t)"GPL";
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	prog = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog < 0) {
		ret = -errno;
		snprintf(why, whylen, "BPF_PROG_LOAD: %s; %.300s",
			 strerror(errno), log);
		return ret;
	}
	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.prog_fd = prog;
	link = syscall(SYS_bpf, BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
	ret = link < 0 ? -errno : link;
	if (link < 0)
		snprintf(why, whylen, "attaching the LSM program: %s",
			 strerror(errno));
	close(prog);
	return ret;
}

/*
 * An opener whose policy withholds kernel addresses: GET_INFO says so,
 * and every sample in kernel or idle context has ip 0, the hidden flag
 * and no kernel frames; no kernel address appears anywhere.  The
 * decision is the opener's, taken at open(): the policy is gone and a
 * fully privileged process drives the session through the passed
 * descriptor, and the addresses stay withheld.
 *
 * Open requires CAP_PERFMON (or CAP_SYS_ADMIN), and with it
 * perf_event_paranoid no longer restricts kernel access, so the only
 * opener that can be refused kernel addresses is one an LSM refuses: a
 * BPF LSM program on perf_event_open plays that policy here.
 */
TEST(kernel_addresses_withheld)
{
	struct session_result r;
	int sv[2], go[2], fd, link, status, err = 0;
	char why[512] = "", c = 'g';
	pid_t pid;
	FILE *lsm;
	char lsms[256] = "";
	bool mounted;

	if (geteuid() != 0)
		SKIP(return, "needs root to load a BPF LSM program");
	if (!kernel_exports("perf_allow_kernel"))
		SKIP(return, "this kernel does not export perf_allow_kernel(): the capability checked at open is the whole decision, so every opener may see kernel addresses and nothing can be withheld");
	/* The guest may not have securityfs mounted: look, then leave. */
	mounted = access("/sys/kernel/security/lsm", R_OK) &&
		  !mount("securityfs", "/sys/kernel/security", "securityfs", 0,
			 NULL);
	lsm = fopen("/sys/kernel/security/lsm", "r");
	if (lsm) {
		if (!fgets(lsms, sizeof(lsms), lsm))
			lsms[0] = 0;
		fclose(lsm);
	}
	if (mounted)
		umount("/sys/kernel/security");
	if (!strstr(lsms, "bpf"))
		SKIP(return, "the BPF LSM is not active (lsm: %s): no policy to withhold kernel addresses with", lsms);

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The opener: waits for the policy, opens, hands the fd on. */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		fd = dev_open();
		if (fd < 0) {
			if (write(sv[1], &fd, sizeof(fd)) != sizeof(fd))
				_exit(1);
			_exit(2);
		}
		if (write(sv[1], &err, sizeof(err)) != sizeof(err) ||
		    send_fd(sv[1], fd))
			_exit(1);
		close(fd);
		_exit(0);
	}
	link = deny_kernel_to(pid, why, sizeof(why));
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(sizeof(err), read(sv[0], &err, sizeof(err)));
	fd = err ? err : recv_fd(sv[0]);
	if (link >= 0)
		close(link);	/* the policy goes; the decision stays */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (link < 0) {
		if (fd >= 0)
			close(fd);
		SKIP(return, "cannot install a BPF LSM policy: %s", why);
	}
	ASSERT_GE(fd, 0) TH_LOG("the opener could not open: %s",
				strerror(-fd));

	run_session(fd, &r);
	close(fd);
	ksft_print_msg("%llu samples, %llu in kernel or idle context, %llu hidden\n",
		       (unsigned long long)r.v.samples,
		       (unsigned long long)r.v.kctx,
		       (unsigned long long)r.v.hidden);
	ASSERT_EQ(0, r.err) TH_LOG("failed at step %d: %s", r.step,
				   strerror(-r.err));
	EXPECT_FALSE(r.features & SONDE_FEAT_KERNEL_ALLOWED);
	EXPECT_GT(r.v.samples, 0);
	EXPECT_GT(r.v.kctx, 0);
	EXPECT_EQ(r.v.kctx, r.v.hidden);
	EXPECT_EQ(r.v.kctx, r.v.ip_zero);
	EXPECT_EQ(0, r.v.kframes);
	EXPECT_EQ(0, r.v.kaddrs);
	EXPECT_EQ(0, r.v.user_hidden);
	EXPECT_EQ(0, r.bad_records);
	EXPECT_EQ(0, r.bad_cpu);

	/* The same session by an opener the policy never named. */
	fd = dev_open();
	ASSERT_GE(fd, 0);
	run_session(fd, &r);
	close(fd);
	ASSERT_EQ(0, r.err);
	EXPECT_TRUE(r.features & SONDE_FEAT_KERNEL_ALLOWED);
	EXPECT_EQ(0, r.v.hidden);
	EXPECT_GT(r.v.with_chain, 0);
}

/* Keep only @caps (bit n: capability n) in the effective and permitted sets. */
static int keep_only_caps(uint64_t caps)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { 0 };

	for (int i = 0; i < 2; i++)
		d[i].effective = d[i].permitted = caps >> (32 * i);
	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

static int read_int(const char *path, int *v)
{
	FILE *f = fopen(path, "r");
	int ret = f && fscanf(f, "%d", v) == 1 ? 0 : -1;

	if (f)
		fclose(f);
	return ret;
}

static int write_int(const char *path, int v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%d\n", v) > 0 ? 0 : -1;
	return fclose(f) ? -1 : ret;
}

/*
 * The privilege matrix: no opener gets more from sonde than perf would
 * give the same process.  A sonde session samples every task on every
 * CPU, so it stands for a CPU-wide perf_event_open(pid -1, cpu N); its
 * kernel addresses stand for an event without exclude_kernel.  perf's
 * rules, for the two settings of perf_event_paranoid that matter (2 is
 * the kernel's default, 3 Debian's):
 *
 * - CPU-wide events: perf_allow_cpu() in include/linux/perf_event.h
 *   refuses when paranoid > 0 and !perfmon_capable(), i.e. neither
 *   CAP_PERFMON nor CAP_SYS_ADMIN.
 * - kernel data: perf_allow_kernel() in kernel/events/core.c refuses
 *   when paranoid > 1 and !perfmon_capable(); then the LSM decides.
 * - paranoid 3: Debian's CONFIG_SECURITY_PERF_EVENTS_RESTRICT makes
 *   perf_event_open() itself refuse everyone without CAP_SYS_ADMIN
 *   (perf_paranoid_any() in include/linux/perf_event.h, checked first in
 *   the syscall in kernel/events/core.c, 6.1 and 6.12 alike):
 *   CAP_PERFMON alone no longer suffices.
 *
 *   who (capabilities kept)      paranoid 2          paranoid 3
 *   root (all)                   open, kernel        open, kernel
 *   uid 0, CAP_PERFMON only      open, kernel        refused
 *   uid 0, CAP_SYS_ADMIN only    open, kernel        open, kernel
 *   uid 0, none                  refused             refused
 *   nobody, CAP_PERFMON only     open, kernel        refused
 *   nobody, none                 refused             refused
 *
 * Each cell also asks perf itself, from the same process: the table is
 * checked against the running kernel before sonde is held to it.  The
 * node is made world-writable for the cell, so that only the module's
 * own check stands between nobody and the device.
 */
FIXTURE(matrix) {
	int paranoid;		/* to restore */
	bool restore_paranoid;
	mode_t node_mode;	/* likewise */
};

FIXTURE_VARIANT(matrix) {
	uid_t uid;
	bool all_caps;		/* root as it is: no capability dropped */
	uint64_t caps;		/* else: the only capabilities kept */
	int paranoid;
	bool may_open;		/* what perf allows: see the table */
};

#define PERFMON		(1ull << CAP_PERFMON)
#define SYS_ADMIN	(1ull << CAP_SYS_ADMIN)
#define NOBODY		65534

FIXTURE_VARIANT_ADD(matrix, root_paranoid2) {
	.uid = 0, .all_caps = true, .paranoid = 2, .may_open = true,
};

FIXTURE_VARIANT_ADD(matrix, root_perfmon_paranoid2) {
	.uid = 0, .caps = PERFMON, .paranoid = 2, .may_open = true,
};

FIXTURE_VARIANT_ADD(matrix, root_sys_admin_paranoid2) {
	.uid = 0, .caps = SYS_ADMIN, .paranoid = 2, .may_open = true,
};

FIXTURE_VARIANT_ADD(matrix, root_no_caps_paranoid2) {
	.uid = 0, .caps = 0, .paranoid = 2, .may_open = false,
};

FIXTURE_VARIANT_ADD(matrix, nobody_perfmon_paranoid2) {
	.uid = NOBODY, .caps = PERFMON, .paranoid = 2, .may_open = true,
};

FIXTURE_VARIANT_ADD(matrix, nobody_no_caps_paranoid2) {
	.uid = NOBODY, .caps = 0, .paranoid = 2, .may_open = false,
};

FIXTURE_VARIANT_ADD(matrix, root_paranoid3) {
	.uid = 0, .all_caps = true, .paranoid = 3, .may_open = true,
};

FIXTURE_VARIANT_ADD(matrix, root_perfmon_paranoid3) {
	.uid = 0, .caps = PERFMON, .paranoid = 3, .may_open = false,
};

FIXTURE_VARIANT_ADD(matrix, root_sys_admin_paranoid3) {
	.uid = 0, .caps = SYS_ADMIN, .paranoid = 3, .may_open = true,
};

FIXTURE_VARIANT_ADD(matrix, root_no_caps_paranoid3) {
	.uid = 0, .caps = 0, .paranoid = 3, .may_open = false,
};

FIXTURE_VARIANT_ADD(matrix, nobody_perfmon_paranoid3) {
	.uid = NOBODY, .caps = PERFMON, .paranoid = 3, .may_open = false,
};

FIXTURE_VARIANT_ADD(matrix, nobody_no_caps_paranoid3) {
	.uid = NOBODY, .caps = 0, .paranoid = 3, .may_open = false,
};

FIXTURE_SETUP(matrix)
{
	const char *sysctl = "/proc/sys/kernel/perf_event_paranoid";
	struct stat st;

	if (geteuid() != 0)
		SKIP(return, "needs root to change users and capabilities");
	self->restore_paranoid = !read_int(sysctl, &self->paranoid);
	ASSERT_EQ(0, write_int(sysctl, variant->paranoid));
	ASSERT_EQ(0, stat(SONDE_DEVICE, &st));
	self->node_mode = st.st_mode & 07777;
	ASSERT_EQ(0, chmod(SONDE_DEVICE, 0666));
}

FIXTURE_TEARDOWN(matrix)
{
	if (geteuid() != 0)
		return;
	chmod(SONDE_DEVICE, self->node_mode);
	if (self->restore_paranoid)
		write_int("/proc/sys/kernel/perf_event_paranoid",
			  self->paranoid);
}

/* perf's answer for this process: 0 or -errno from perf_event_open(). */
static int perf_answer(pid_t pid, int cpu, bool kernel)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = 1000000,
		.exclude_kernel = !kernel,
		.exclude_hv = 1,
		.disabled = 1,
	};
	int fd = syscall(SYS_perf_event_open, &attr, pid, cpu, -1,
			 PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* What one cell's process was allowed, by perf and by sonde. */
struct cell_result {
	int setup_err;		/* dropping privileges failed: -errno */
	int perf_cpu;		/* CPU-wide, user only */
	int perf_kernel;	/* this process, kernel included */
	int sonde_open;		/* fd >= 0 made 0, else -errno */
	struct session_result session;
};

static void become(const FIXTURE_VARIANT(matrix) * v, struct cell_result *r)
{
	if (v->uid != 0) {
		/* Keep the permitted set across setuid, then raise it. */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
		    setgroups(0, NULL) || setgid(v->uid) || setuid(v->uid)) {
			r->setup_err = -errno;
			return;
		}
	}
	if (!v->all_caps)
		r->setup_err = keep_only_caps(v->caps);
	/* Proof CAP_SYS_ADMIN is gone where it should be. */
	if (!r->setup_err && !v->all_caps && !(v->caps & SYS_ADMIN) &&
	    !sethostname("sonde", 5))
		r->setup_err = -EEXIST;
}

TEST_F_TIMEOUT(matrix, no_more_than_perf, 120)
{
	struct cell_result r = { 0 };
	int sv[2], status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd;

		become(variant, &r);
		if (!r.setup_err) {
			r.perf_cpu = perf_answer(-1, 0, false);
			r.perf_kernel = perf_answer(0, -1, true);
			fd = dev_open();
			r.sonde_open = fd < 0 ? fd : 0;
			if (fd >= 0) {
				run_session(fd, &r.session);
				close(fd);
			}
		}
		_exit(write(sv[1], &r, sizeof(r)) != sizeof(r));
	}
	ASSERT_EQ(sizeof(r), read(sv[0], &r, sizeof(r)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(sv[0]);
	close(sv[1]);
	ASSERT_EQ(0, r.setup_err) TH_LOG("dropping privileges: %s",
					 strerror(-r.setup_err));
	ksft_print_msg("perf: CPU-wide %s, kernel %s; sonde: open %s, kernel addresses %s (%llu samples, %llu in kernel or idle, %llu kernel addresses)\n",
		       r.perf_cpu ? strerror(-r.perf_cpu) : "allowed",
		       r.perf_kernel ? strerror(-r.perf_kernel) : "allowed",
		       r.sonde_open ? strerror(-r.sonde_open) : "allowed",
		       r.session.features & SONDE_FEAT_KERNEL_ALLOWED ?
		       "allowed" : "withheld",
		       (unsigned long long)r.session.v.samples,
		       (unsigned long long)r.session.v.kctx,
		       (unsigned long long)r.session.v.kaddrs);

	/* The table holds on this kernel (else it documents nothing). */
	EXPECT_EQ(variant->may_open, r.perf_cpu == 0)
		TH_LOG("perf's CPU-wide answer is not the table's");
	EXPECT_EQ(variant->may_open, r.perf_kernel == 0)
		TH_LOG("perf's kernel answer is not the table's");

	/* sonde gives what perf gives, no more. */
	EXPECT_EQ(variant->may_open, r.sonde_open == 0)
		TH_LOG("sonde's open: %s", r.sonde_open ?
		       strerror(-r.sonde_open) : "allowed");
	if (r.sonde_open) {
		EXPECT_EQ(-EACCES, r.sonde_open);
		return;
	}
	ASSERT_EQ(0, r.session.err) TH_LOG("session failed at step %d: %s",
					   r.session.step,
					   strerror(-r.session.err));
	EXPECT_LT(0, r.session.v.samples);
	EXPECT_EQ(0, r.session.bad_records);
	if (r.perf_kernel) {
		EXPECT_FALSE(r.session.features & SONDE_FEAT_KERNEL_ALLOWED);
		EXPECT_EQ(0, r.session.v.kaddrs);
		EXPECT_EQ(0, r.session.v.kframes);
	} else {
		/* Withholding what perf allows would be a bug too. */
		EXPECT_TRUE(r.session.features & SONDE_FEAT_KERNEL_ALLOWED);
		EXPECT_EQ(0, r.session.v.hidden);
		EXPECT_LT(0, r.session.v.with_chain);
	}
}

/* Open needs CAP_PERFMON or CAP_SYS_ADMIN, whatever the node's mode. */
TEST(unprivileged_open_refused)
{
	struct stat st;
	pid_t pid;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, stat(SONDE_DEVICE, &st));
	ASSERT_EQ(0, chmod(SONDE_DEVICE, 0666));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(SONDE_DEVICE, O_RDWR);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	chmod(SONDE_DEVICE, st.st_mode & 07777);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
