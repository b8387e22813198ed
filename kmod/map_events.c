// SPDX-License-Identifier: GPL-2.0
/*
 * sonde: MMAP records: the executable mapping a user-mode sample ran in
 * (range, file offset, device, inode, path, build-id), looked up in the
 * sampled task itself before it runs user code again, so that it is
 * right even for a process that exits a millisecond later or execs.
 *
 * Why task work: the sample is taken in hard irq (an NMI for a PMU source
 * later), where neither the mmap lock nor the file may be touched.  The
 * handler queues task work with TWA_RESUME on the interrupted task, which
 * runs it on its way back to user mode, right after the interrupt: no
 * exec, munmap or exit can come in between, so the mm it looks at is the
 * sampled one.  Only user-mode samples queue work: a task sampled in the
 * kernel may sleep there indefinitely, and pending work pins this state
 * and the module.  The EXEC probe queues the same work, for every
 * executable mapping of the new image (exec returns to user mode too).
 *
 * Cost: the handler skips the work when this CPU confirmed the same
 * mapping of the same mm in the last MAP_KNOWN_NS (a few entries per
 * CPU), and the work writes a record only for a mapping it has not
 * written for this process and mm yet (a table keyed by pid, mm, range,
 * offset and inode), so a steady process costs a handful of lookups per
 * mapping per second, and each mapping one record.
 *
 * Contexts:
 * - sonde_map_events_sample(): hard irq on the ring's CPU, inside the
 *   ring's nesting guard.  Never sleeps, allocates or spins: it claims a
 *   free slot of this CPU's pool.  Slots of a CPU's pool are claimed
 *   only on that CPU with interrupts off (by the handler, or by the EXEC
 *   probe with interrupts disabled), so claims never race; the work,
 *   wherever it runs, frees its slot with a store-release.
 * - map_work(): process context, in the sampled task, may sleep.  It
 *   writes its records into the ring of the CPU it runs on with
 *   interrupts off, so no sample of that CPU nests into it.
 * - arm, stop, release: process context under the session lock.
 *
 * Lifetime: struct sonde_map_events holds one reference for the session
 * and one per queued work; the last one frees it.  STOP clears @armed,
 * then waits for an RCU grace period (a writer's interrupts-off section
 * is a read-side section), after which no record is written.  Module
 * exit waits until every work has run, then for RCU Tasks, so that no
 * task is still inside this module's text.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/dcache.h>
#include <linux/elf.h>
#include <linux/hash.h>
#include <linux/kdev_t.h>
#include <linux/percpu.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/task_work.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include "session.h"
#include "ring.h"
#include "compat.h"

#define MAP_SLOTS	16	/* lookups in flight per CPU */
#define MAP_KNOWN	8	/* mappings a CPU remembers confirming */
#define MAP_KNOWN_NS	(100 * NSEC_PER_MSEC)
#define MAP_TABLE_BITS	12	/* mappings written, before starting over */
#define MAP_BATCH	16	/* mappings looked up per mmap lock hold */
#define MAP_NOTE_MAX	4096	/* largest PT_NOTE segment read */
/* The GNU build-id note's type (binutils' include/elf/common.h). */
#define MAP_NT_GNU_BUILD_ID	3

/**
 * struct map_slot - one lookup in flight
 * @work: queued on the sampled task
 * @me: holds a reference on it while queued
 * @ip: the user IP whose mapping to look up; 0: every executable mapping
 * @busy: claimed; cleared by the work with a store-release
 */
struct map_slot {
	struct callback_head work;
	struct sonde_map_events *me;
	unsigned long ip;
	bool busy;
};

/*
 * A mapping this CPU confirmed recently: its samples need no lookup.  An
 * mm's address is reused by the next process (or image) that needs one,
 * so the process and its exec count are part of the key.
 */
struct map_known {
	const struct mm_struct *mm;
	pid_t tgid;
	u64 exec_id;
	unsigned long start;
	unsigned long end;
	u64 time_ns;
};

struct map_cpu {
	struct map_slot slot[MAP_SLOTS];
	struct map_known known[MAP_KNOWN];
	unsigned int next_known;
};

/*
 * A mapping written for a process and image (exec count: the mm's
 * address may come back after an exec); hashed and compared whole.
 */
struct map_key {
	const struct mm_struct *mm;
	u64 exec_id;
	unsigned long start;
	unsigned long end;
	unsigned long pgoff;
	u64 ino;
	u32 dev;
	u32 pid;
};

/**
 * struct sonde_map_events - MMAP state of one armed session
 * @ref: see the file comment
 * @armed: records may be written
 * @s: the session; dereferenced only while @armed, with interrupts off
 *	(see _stop())
 * @root: the opener's root directory, one reference: lookups sleep, and
 *	the session may be gone when they wake
 * @cpu: per-CPU slots and confirmations
 * @lock: over @nr_keys and @keys, process context only
 * @nr_keys: used entries of @keys
 * @keys: mappings written; an entry with a NULL mm is free
 */
struct sonde_map_events {
	refcount_t ref;
	bool armed;
	struct sonde_session *s;
	struct path root;
	struct map_cpu __percpu *cpu;
	spinlock_t lock;
	u32 nr_keys;
	struct map_key keys[1U << MAP_TABLE_BITS];
};

/* A mapping found under the mmap lock, written after it is dropped. */
struct map_found {
	unsigned long start;
	unsigned long end;
	unsigned long pgoff;
	struct file *file;	/* one reference; NULL: anonymous */
	bool vdso;
};

bool sonde_have_map_events;
static atomic_t live_map_events = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(live_map_events_wq);

static void map_events_put(struct sonde_map_events *me)
{
	if (!refcount_dec_and_test(&me->ref))
		return;
	path_put(&me->root);
	free_percpu(me->cpu);
	kvfree(me);
	if (atomic_dec_and_test(&live_map_events))
		wake_up(&live_map_events_wq);
}

/*
 * Whether @key was written (@add false), or remember that it was (@add
 * true).  Remembered only once its record is in a ring: a record that
 * could not be written is looked up again at the next sample.
 */
static bool map_key_seen(struct sonde_map_events *me,
			 const struct map_key *key, bool add)
{
	u32 mask = (1U << MAP_TABLE_BITS) - 1;
	u32 i = hash_64(key->start ^ key->pgoff ^ key->ino ^ key->exec_id ^
			(unsigned long)key->mm ^ key->pid, MAP_TABLE_BITS);
	bool seen = false;

	spin_lock(&me->lock);
	/* Full: start over; some mappings are written twice, none lost. */
	if (add && me->nr_keys >= (3U << MAP_TABLE_BITS) / 4) {
		memset(me->keys, 0, sizeof(me->keys));
		me->nr_keys = 0;
	}
	for (;; i = (i + 1) & mask) {
		if (!me->keys[i].mm) {
			if (add) {
				me->keys[i] = *key;
				me->nr_keys++;
			}
			break;
		}
		if (!memcmp(&me->keys[i], key, sizeof(*key))) {
			seen = true;
			break;
		}
	}
	spin_unlock(&me->lock);
	return seen;
}

/*
 * The file's GNU build-id, from its first PT_NOTE segments, read through
 * the page cache like any read(2).  Returns its size, 0 when there is
 * none or the file is not a 64-bit ELF file of this machine.
 */
static u8 read_build_id(struct file *file, u8 *id)
{
	const u32 gnu_name = 0x00554e47;	/* "GNU\0" little endian */
	struct elf64_phdr *phdrs = NULL;
	struct elf64_hdr ehdr;
	u8 *note = NULL, size = 0;
	u32 i, off;
	loff_t pos = 0;

	/* A device mapped executable (/dev/zero) has no notes to read. */
	if (!S_ISREG(file_inode(file)->i_mode))
		return 0;
	if (kernel_read(file, &ehdr, sizeof(ehdr), &pos) != sizeof(ehdr) ||
	    memcmp(ehdr.e_ident, ELFMAG, SELFMAG) ||
	    ehdr.e_ident[EI_CLASS] != ELFCLASS64 ||
	    ehdr.e_phentsize != sizeof(*phdrs) || !ehdr.e_phnum ||
	    ehdr.e_phnum > 64)
		return 0;
	phdrs = kmalloc_array(ehdr.e_phnum, sizeof(*phdrs), GFP_KERNEL);
	note = kmalloc(MAP_NOTE_MAX, GFP_KERNEL);
	if (!phdrs || !note)
		goto out_free;
	pos = ehdr.e_phoff;
	if (kernel_read(file, phdrs, ehdr.e_phnum * sizeof(*phdrs), &pos) !=
	    ehdr.e_phnum * sizeof(*phdrs))
		goto out_free;
	for (i = 0; i < ehdr.e_phnum && !size; i++) {
		u32 len = min_t(u64, phdrs[i].p_filesz, MAP_NOTE_MAX);

		if (phdrs[i].p_type != PT_NOTE)
			continue;
		pos = phdrs[i].p_offset;
		if (kernel_read(file, note, len, &pos) != len)
			continue;
		/* Each note: namesz, descsz, type, then name and desc, 4-aligned. */
		for (off = 0; off + sizeof(struct elf64_note) <= len;) {
			struct elf64_note *n = (struct elf64_note *)(note + off);
			u64 name = ALIGN((u64)n->n_namesz, 4);
			u64 desc = ALIGN((u64)n->n_descsz, 4);

			if (name > len || desc > len ||
			    off + sizeof(*n) + name + desc > len)
				break;
			if (n->n_type == MAP_NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(n + 1, &gnu_name, 4) && n->n_descsz &&
			    n->n_descsz <= SONDE_BUILD_ID_MAX) {
				size = n->n_descsz;
				memcpy(id, (u8 *)(n + 1) + name, size);
				break;
			}
			off += sizeof(*n) + name + desc;
		}
	}
out_free:
	kfree(note);
	kfree(phdrs);
	return size;
}

/*
 * What one MMAP record says, prepared before the interrupts-off section
 * that writes it (see struct sonde_mmap_event for the fields).
 */
struct map_record {
	const struct map_found *f;
	u64 ino;
	u32 dev;
	u16 flags;
	u16 path_size;
	u8 build_id_size;
	u8 build_id[SONDE_BUILD_ID_MAX];
	const char *path;
};

/* Returns whether the record is in a ring. */
static bool map_write(struct sonde_map_events *me, const struct map_record *m)
{
	struct sonde_mmap_event *rec;
	const struct sonde_sampler *sp;
	struct sonde_ring *ring;
	unsigned long irqs;
	u32 pid, tid, len;
	bool written = false;
	u64 now;

	local_irq_save(irqs);
	/* Partner: WRITE_ONCE() and synchronize_rcu() in _stop(). */
	if (!READ_ONCE(me->armed))
		goto out_irqs;
	sp = &me->s->sampler;
	pid = task_tgid_nr_ns(current, sp->pid_ns);
	tid = task_pid_nr_ns(current, sp->pid_ns);
	ring = me->s->bufs->rings[smp_processor_id()];
	if (!pid || !tid || !ring)
		goto out_irqs;
	local64_inc(&ring->map_events);
	now = ktime_get_mono_fast_ns();
	rec = sonde_ring_begin(ring, SONDE_MAX_MMAP_RECORD, now);
	if (!rec)
		goto out_irqs;
	len = ALIGN(sizeof(*rec) + m->path_size, 8);
	/* Reserved bytes and padding must read as zero. */
	memset(rec, 0, len);
	rec->hdr.type = SONDE_RECORD_MMAP;
	rec->hdr.size = len;
	rec->time_ns = now;
	rec->cpu = smp_processor_id();
	rec->pid = pid;
	rec->tid = tid;
	rec->ns_pid = task_tgid_vnr(current);
	rec->start = m->f->start;
	rec->end = m->f->end;
	rec->pgoff = m->f->pgoff;
	rec->ino = m->ino;
	rec->dev = m->dev;
	rec->flags = m->flags;
	rec->path_size = m->path_size;
	rec->build_id_size = m->build_id_size;
	memcpy(rec->build_id, m->build_id, m->build_id_size);
	memcpy(rec->path, m->path, m->path_size);
	sonde_ring_end(ring, len);
	written = true;
out_irqs:
	local_irq_restore(irqs);
	return written;
}

/*
 * The vDSO has no file; x86 keeps its address in the mm's context (what
 * arch_vma_name(), which modules cannot call, looks at).
 */
static bool vma_is_vdso(const struct vm_area_struct *vma)
{
	return vma->vm_mm &&
	       (unsigned long)vma->vm_mm->context.vdso == vma->vm_start;
}

/* Write the record of @f unless @force is false and it was written. */
static void map_emit(struct sonde_map_events *me, const struct map_found *f,
		     bool force, char *buf)
{
	struct map_record m = { .f = f };
	struct map_key key = {
		.mm = current->mm,
		.exec_id = current->self_exec_id,
		.start = f->start,
		.end = f->end,
		.pgoff = f->pgoff,
		.pid = task_tgid_nr(current),
	};
	char *path;

	if (f->file) {
		struct inode *inode = file_inode(f->file);

		m.ino = inode->i_ino;
		m.dev = new_encode_dev(inode->i_sb->s_dev);
	}
	key.ino = m.ino;
	key.dev = m.dev;
	if (!force && map_key_seen(me, &key, false))
		return;

	if (force)
		m.flags |= SONDE_MMAP_EXEC;
	if (!f->file) {
		m.flags |= SONDE_MMAP_ANON;
		if (f->vdso) {
			m.path = "[vdso]";
			m.path_size = sizeof("[vdso]");
		}
	} else {
		if (sonde_other_root(&me->root))
			m.flags |= SONDE_MMAP_OTHER_ROOT;
		/* d_path() builds the name at the end of the buffer. */
		path = d_path(&f->file->f_path, buf, SONDE_MAX_EXEC_PATH);
		if (IS_ERR(path)) {
			m.flags |= SONDE_MMAP_PATH_TRUNCATED;
			m.path = "";
			m.path_size = 1;
		} else {
			m.path = path;
			m.path_size = strlen(path) + 1;
		}
		m.build_id_size = read_build_id(f->file, m.build_id);
	}
	if (map_write(me, &m))
		map_key_seen(me, &key, true);
}

/* Remember on this CPU that @f's samples in @mm need no lookup. */
static void map_confirm(struct sonde_map_events *me, struct mm_struct *mm,
			const struct map_found *f)
{
	struct map_known *k;
	struct map_cpu *pc;
	unsigned long irqs;

	/* Partner: the handler reads this CPU's entries in hard irq. */
	local_irq_save(irqs);
	pc = this_cpu_ptr(me->cpu);
	k = &pc->known[pc->next_known++ % MAP_KNOWN];
	k->mm = mm;
	k->tgid = current->tgid;
	k->exec_id = current->self_exec_id;
	k->start = f->start;
	k->end = f->end;
	k->time_ns = ktime_get_mono_fast_ns();
	local_irq_restore(irqs);
}

/*
 * Up to MAP_BATCH executable mappings from @addr on (only the one holding
 * @addr when @one), with a reference on each file.  Returns how many.
 */
static unsigned int map_find(struct mm_struct *mm, unsigned long addr,
			     bool one, struct map_found *found)
{
	struct vm_area_struct *vma;
	unsigned int n = 0;

	if (mmap_read_lock_killable(mm))
		return 0;
	for (vma = find_vma(mm, addr); vma && n < MAP_BATCH;
	     vma = find_vma(mm, vma->vm_end)) {
		if (one && vma->vm_start > addr)
			break;
		if (vma->vm_flags & VM_EXEC) {
			struct map_found *f = &found[n++];

			f->start = vma->vm_start;
			f->end = vma->vm_end;
			f->file = vma->vm_file ? get_file(vma->vm_file) : NULL;
			f->pgoff = f->file ? (u64)vma->vm_pgoff << PAGE_SHIFT : 0;
			f->vdso = !f->file && vma_is_vdso(vma);
		}
		if (one)
			break;
	}
	mmap_read_unlock(mm);
	return n;
}

static void map_lookup(struct sonde_map_events *me, unsigned long ip)
{
	struct map_found found[MAP_BATCH];
	struct mm_struct *mm = current->mm;
	unsigned long addr = ip;
	unsigned int n, i;
	char *buf;

	buf = kmalloc(SONDE_MAX_EXEC_PATH, GFP_KERNEL);
	if (!buf)
		return;
	do {
		n = map_find(mm, addr, ip != 0, found);
		for (i = 0; i < n; i++) {
			map_emit(me, &found[i], ip == 0, buf);
			if (ip)
				map_confirm(me, mm, &found[i]);
			if (found[i].file)
				fput(found[i].file);
		}
		if (n)
			addr = found[n - 1].end;
	} while (!ip && n == MAP_BATCH);
	kfree(buf);
}

static void map_work(struct callback_head *head)
{
	struct map_slot *slot = container_of(head, struct map_slot, work);
	struct sonde_map_events *me = slot->me;
	unsigned long ip = slot->ip;

	/* Partner: smp_load_acquire() in claim(); @ip is copied out. */
	smp_store_release(&slot->busy, false);
	if (READ_ONCE(me->armed) && current->mm &&
	    !(current->flags & PF_EXITING))
		map_lookup(me, ip);
	map_events_put(me);
}

/*
 * Queue a lookup of @ip (0: every executable mapping) on current.  This
 * CPU, interrupts off.  False when no slot is free or current is exiting.
 */
static bool claim(struct sonde_map_events *me, unsigned long ip)
{
	struct map_cpu *pc = this_cpu_ptr(me->cpu);
	struct map_slot *free = NULL;
	unsigned int i;

	/*
	 * No check for a lookup already queued on this task: a task in
	 * user mode has none (it ran on the way back from the interrupt).
	 */
	for (i = 0; i < MAP_SLOTS && !free; i++)
		/* Partner: smp_store_release() in map_work(): it read @ip. */
		if (!smp_load_acquire(&pc->slot[i].busy))
			free = &pc->slot[i];
	if (!free)
		return false;
	free->busy = true;
	free->me = me;
	free->ip = ip;
	refcount_inc(&me->ref);
	init_task_work(&free->work, map_work);
	if (task_work_add(current, &free->work, TWA_RESUME)) {
		/* Exiting: its work list is closed. */
		refcount_dec(&me->ref);
		/* Partner: smp_load_acquire() above, at the next claim. */
		smp_store_release(&free->busy, false);
		return false;
	}
	return true;
}

/**
 * sonde_map_events_sample - a user-mode sample ran at @ip: make sure its
 *	mapping gets a record
 * @me: the session's MMAP state
 * @ring: this CPU's ring (for its counters)
 * @ip: the interrupted user IP
 * @now: the sample's time (ktime_get_mono_fast_ns())
 *
 * Context: hard irq on the ring's CPU, inside the ring's nesting guard.
 */
void sonde_map_events_sample(struct sonde_map_events *me,
			     struct sonde_ring *ring, unsigned long ip, u64 now)
{
	struct map_cpu *pc = this_cpu_ptr(me->cpu);
	const struct mm_struct *mm = current->mm;
	unsigned int i;

	if (!mm || (current->flags & SONDE_PF_NO_USER))
		return;
	for (i = 0; i < MAP_KNOWN; i++) {
		const struct map_known *k = &pc->known[i];

		if (k->mm == mm && k->tgid == current->tgid &&
		    k->exec_id == current->self_exec_id &&
		    ip - k->start < k->end - k->start &&
		    now - k->time_ns < MAP_KNOWN_NS)
			return;
	}
	if (!claim(me, ip))
		local64_inc(&ring->map_missed);
}

/**
 * sonde_map_events_exec - current just exec'ed: write every executable
 *	mapping of its new image
 * @me: the session's MMAP state
 *
 * Context: the EXEC tracepoint, in the task, preemption off.
 */
void sonde_map_events_exec(struct sonde_map_events *me)
{
	struct sonde_ring *ring;
	unsigned long irqs;

	local_irq_save(irqs);
	/* The probe runs while armed: the session and its rings are there. */
	ring = me->s->bufs->rings[smp_processor_id()];
	if (!claim(me, 0) && ring)
		local64_inc(&ring->map_missed);
	local_irq_restore(irqs);
}

/**
 * sonde_map_events_arm - start MMAP lookups for @s
 * @s: the session, configured, with its lock held, not yet sampling
 *
 * Returns 0 or -ENOMEM.
 */
int sonde_map_events_arm(struct sonde_session *s)
{
	struct sonde_map_events *me;

	me = kvzalloc(sizeof(*me), GFP_KERNEL);
	if (!me)
		return -ENOMEM;
	me->cpu = alloc_percpu(struct map_cpu);
	if (!me->cpu) {
		kvfree(me);
		return -ENOMEM;
	}
	refcount_set(&me->ref, 1);
	spin_lock_init(&me->lock);
	me->s = s;
	me->root = s->root;
	path_get(&me->root);
	me->armed = true;
	atomic_inc(&live_map_events);
	s->sampler.map_events = me;
	return 0;
}

/**
 * sonde_map_events_stop - write no more records
 * @s: the session, with its lock held; its sources may still run
 */
void sonde_map_events_stop(struct sonde_session *s)
{
	WRITE_ONCE(s->sampler.map_events->armed, false);
	/* Every writer that saw @armed set has left its section. */
	synchronize_rcu();
}

/**
 * sonde_map_events_release - drop the session's reference
 * @s: the session, with its lock held, its sources disarmed
 *
 * Queued lookups keep the state alive until they have run.
 */
void sonde_map_events_release(struct sonde_session *s)
{
	map_events_put(s->sampler.map_events);
	s->sampler.map_events = NULL;
}

/**
 * sonde_map_events_exit - at module exit: wait for every queued lookup
 *
 * Works are queued only on tasks returning to user mode, which run them
 * at once; after the last one dropped its reference, RCU Tasks waits
 * until none of them can still be executing this module's code.
 */
void sonde_map_events_exit(void)
{
	wait_event(live_map_events_wq, !atomic_read(&live_map_events));
	synchronize_rcu_tasks();
}
