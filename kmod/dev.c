// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: the /dev/sonde misc device: open, ioctl, mmap, poll, release, and
 * module init and exit.
 *
 * Access: open() requires CAP_PERFMON or CAP_SYS_ADMIN (EACCES), whatever
 * the device node's mode, and CAP_SYS_ADMIN where perf_event_open() would
 * (Debian's perf_event_paranoid 3), and decides there, from the opener's
 * credentials, whether kernel addresses may be emitted.  Only one file may
 * be open (EBUSY).
 *
 * Lifetime: the ring mappings do not point at the device file but at an
 * anon file that holds a reference to the rings (vma_set_file()), so that
 * close() of /dev/sonde releases the session and stops sampling even
 * while the rings are mapped, and the rings live until the last mapping
 * goes.  Both files' fops name THIS_MODULE, so the module cannot be
 * removed while either is open or mapped; sampling is always stopped
 * before the device file's release returns, so no timer outlives it.
 *
 * Contexts: everything here runs in process context.  ioctl and poll take
 * the session lock (never while touching user memory); mmap, which runs
 * under the mmap lock, takes only the session's map spinlock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/anon_inodes.h>
#include <linux/poll.h>
#include <linux/mm.h>
#include <linux/math64.h>
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "session.h"
#include "ring.h"
#include "compat.h"

static atomic_t sonde_open_count = ATOMIC_INIT(0);
bool sonde_have_task_events;
bool sonde_have_offcpu;

static int ring_file_release(struct inode *inode, struct file *file)
{
	sonde_buffers_put(file->private_data);
	return 0;
}

static const struct file_operations sonde_ring_fops = {
	.owner = THIS_MODULE,
	.release = ring_file_release,
};

/**
 * sonde_ring_file_create - the anon file that ring mappings point at
 * @bufs: the rings; the file takes its own reference
 */
struct file *sonde_ring_file_create(struct sonde_buffers *bufs)
{
	struct file *file;

	kref_get(&bufs->ref);
	file = anon_inode_getfile("[sonde-rings]", &sonde_ring_fops, bufs,
				  O_RDWR);
	if (IS_ERR(file))
		sonde_buffers_put(bufs);
	return file;
}

/* A ring mapping is all or nothing: no partial munmap, no mremap. */
static int sonde_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static int sonde_vm_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const struct vm_operations_struct sonde_vm_ops = {
	.may_split = sonde_vm_may_split,
	.mremap = sonde_vm_mremap,
};

static int sonde_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct sonde_session *s = file->private_data;
	unsigned long npages = vma_pages(vma);
	struct sonde_buffers *bufs;
	struct sonde_ring *ring;
	struct file *ring_file;
	u64 cpu, rel;
	int ret = -EINVAL;

	if (!(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;

	/*
	 * Called with the mmap lock held: take no sleeping lock here (see
	 * struct sonde_session).  The ring file's reference keeps bufs alive
	 * even if a CONFIGURE replaces them meanwhile.
	 */
	spin_lock(&s->map_lock);
	ring_file = s->ring_file ? get_file(s->ring_file) : NULL;
	bufs = s->bufs;
	spin_unlock(&s->map_lock);
	if (!ring_file)
		return -EINVAL;

	cpu = div64_u64_rem((u64)vma->vm_pgoff << PAGE_SHIFT,
			    sonde_mmap_cpu_stride(), &rel);
	if (cpu >= bufs->nr_rings || !bufs->rings[cpu])
		goto out_put_file;
	ring = bufs->rings[cpu];

	sonde_vm_flags_clear(vma, VM_MAYEXEC);
	sonde_vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &sonde_vm_ops;
	if (rel == SONDE_MMAP_CTRL_OFFSET) {
		if (npages != 1)
			goto out_put_file;
		ret = vm_map_pages_zero(vma, &ring->ctrl_page, 1);
	} else if (rel == SONDE_MMAP_META_OFFSET) {
		if (npages != 1 + 2UL * ring->nr_data_pages ||
		    (vma->vm_flags & VM_WRITE))
			goto out_put_file;
		sonde_vm_flags_clear(vma, VM_MAYWRITE);
		ret = vm_map_pages_zero(vma, ring->map_pages, npages);
	}
	/* The mapping holds the rings, not the device file. */
	if (!ret)
		vma_set_file(vma, ring_file);
out_put_file:
	fput(ring_file);
	return ret;
}

static __poll_t sonde_poll(struct file *file, poll_table *pt)
{
	struct sonde_session *s = file->private_data;
	__poll_t mask = 0;
	unsigned int cpu;

	/* Queue first, then look: a crossing after the look wakes us. */
	poll_wait(file, &s->wq, pt);
	mutex_lock(&s->lock);
	if (s->bufs) {
		for (cpu = 0; cpu < s->bufs->nr_rings; cpu++) {
			struct sonde_ring *ring = s->bufs->rings[cpu];
			u64 avail;

			if (!ring)
				continue;
			avail = sonde_ring_readable(ring);
			/*
			 * Once stopped, any leftover counts as readable; so
			 * does anything at all while samples are being lost
			 * (sonde_ring_lose() woke us for that).
			 */
			if (avail && (avail >= ring->wakeup_bytes ||
				      !s->running ||
				      sonde_ring_lost_pending(ring))) {
				mask |= EPOLLIN | EPOLLRDNORM;
				break;
			}
		}
	}
	mutex_unlock(&s->lock);
	return mask;
}

static long sonde_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct sonde_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	if (_IOC_TYPE(cmd) != SONDE_IOC_MAGIC)
		return -ENOTTY;

	/* Each command takes the session lock itself, never across uaccess. */
	switch (cmd) {
	case SONDE_IOC_GET_INFO:
		ret = sonde_session_get_info(s, uarg);
		break;
	case SONDE_IOC_CONFIGURE:
		ret = sonde_session_configure(s, uarg);
		break;
	case SONDE_IOC_START:
		ret = arg ? -EINVAL : sonde_session_start(s);
		break;
	case SONDE_IOC_STOP:
		ret = arg ? -EINVAL : sonde_session_stop(s);
		break;
	case SONDE_IOC_GET_STATS:
		ret = sonde_session_get_stats(s, uarg);
		break;
	case SONDE_IOC_SNAPSHOT:
		ret = sonde_snapshot(s, uarg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	return ret;
}

/*
 * Is perf_event_paranoid above 2?  Read as the opener would read it: a
 * module cannot see the variable (compat.h).  When it cannot be read (a
 * mount namespace without /proc), the stricter answer holds.
 */
static bool sonde_paranoid_any(void)
{
	char buf[16] = "";
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	int val;

	f = filp_open("/proc/sys/kernel/perf_event_paranoid", O_RDONLY, 0);
	if (IS_ERR(f))
		return true;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0 || kstrtoint(strim(buf), 10, &val))
		return true;
	return val > 2;
}

/* Would perf_event_open() let the opener sample every CPU? */
static bool sonde_open_allowed(void)
{
	if (!perfmon_capable())
		return false;
	/* perf's order: the sysctl first, so that capable() audits only then. */
	if (SONDE_PERF_EVENTS_RESTRICT && sonde_paranoid_any() &&
	    !capable(CAP_SYS_ADMIN))
		return false;
	return true;
}

static int sonde_open(struct inode *inode, struct file *file)
{
	struct sonde_session *s;

	if (!sonde_open_allowed())
		return -EACCES;
	if (atomic_cmpxchg(&sonde_open_count, 0, 1))
		return -EBUSY;
	s = sonde_session_create();
	if (!s) {
		atomic_set(&sonde_open_count, 0);
		return -ENOMEM;
	}
	s->sampler.kernel_allowed = sonde_perf_allow_kernel();
	file->private_data = s;
	return nonseekable_open(inode, file);
}

static int sonde_release(struct inode *inode, struct file *file)
{
	sonde_session_destroy(file->private_data);
	atomic_set(&sonde_open_count, 0);
	return 0;
}

static const struct file_operations sonde_fops = {
	.owner = THIS_MODULE,
	.open = sonde_open,
	.release = sonde_release,
	.unlocked_ioctl = sonde_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = sonde_mmap,
	.poll = sonde_poll,
};

static struct miscdevice sonde_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "sonde",
	.fops = &sonde_fops,
	.mode = 0600,
};

static int __init sonde_init(void)
{
	int ret;

	sonde_pmu_init();
	sonde_have_task_events = sonde_task_events_init();
	sonde_have_offcpu = sonde_offcpu_init();
	sonde_have_map_events = true;
	ret = misc_register(&sonde_misc);
	if (ret)
		pr_err("cannot register /dev/sonde: %d\n", ret);
	return ret;
}

static void __exit sonde_exit(void)
{
	misc_deregister(&sonde_misc);
	sonde_map_events_exit();
}

module_init(sonde_init);
module_exit(sonde_exit);
MODULE_DESCRIPTION("sonde: low-overhead CPU sampling profiler");
MODULE_AUTHOR("The sonde developers");
MODULE_LICENSE("GPL");
/* scripts/version, passed in by kmod/Kbuild */
MODULE_VERSION(SONDE_VERSION);
