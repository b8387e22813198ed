// SPDX-License-Identifier: GPL-2.0
/*
 * Unwind layer: DWARF unwinding with elfutils' libdwfl (dwarf.h).
 *
 * State at three lifetimes, each built once:
 *
 * - A file: one libelf handle per distinct file (the device, inode, size
 *   and mtime of the descriptor ops->open gives), shared by the modules
 *   of every cached snapshot that maps it.  libdwfl asks for a module's
 *   ELF through Dwfl_Callbacks.find_elf; ours hands out the shared handle
 *   with one more reference (elf_begin() on a reference handle of a
 *   plain file returns that handle, counted, and the elf_end() libdwfl
 *   calls when the module goes drops the count), so libc's headers,
 *   mapping and section data (decompressed debug sections too) are
 *   read once for all processes, not once each.  What libdwfl builds on
 *   top of the ELF (the module's Dwarf_CFI with its FDE cache, its Ebl)
 *   belongs to the module and its API has no way to share it; that part
 *   is filled lazily and is cheap.  A file is let go when no cached
 *   snapshot uses it.
 * - A snapshot (struct slot): a Dwfl holding one module per mapped file
 *   and attached to the thread callbacks below.  Kept in a least recently
 *   used array of SLOTS entries keyed by (proc, gen): samples come in time
 *   order, each process's mostly from one snapshot at a time, and a
 *   system-wide recording interleaves those of the processes running
 *   together.  Building one opens every mapped file (a syscall or two when
 *   it is already held) and reports the modules: far more than a
 *   sample's unwinding, so it must not happen per sample.
 * - A sample (struct sample): registers and stack copy, read by the
 *   callbacks through u->cur while dwfl_getthread_frames() runs.
 *
 * Where a module goes: a mapping maps file offset pgoff at address start,
 * and the PT_LOAD holding that offset gives its ELF address, so
 *	bias = start - pgoff - (p_vaddr - p_offset)
 * for executables, PIE and libraries alike, and for lld's layouts, whose
 * text segment's p_vaddr - p_offset differs from the first segment's
 * (start - pgoff alone, the usual shortcut, is wrong there).  libdwfl
 * derives a module's bias from the low address it is reported at (low -
 * the first PT_LOAD's p_vaddr rounded down to its p_align:
 * __libdwfl_getelf()), so that is where we report it.
 * dwfl_report_elf() is not used: it opens its own ELF handle, and it
 * ignores the base given for an ET_EXEC (bias 0; right for the file that
 * was run, silently wrong for another one at the same path).  Here an
 * ET_EXEC whose computed bias is not 0 is refused as not the mapped file.
 *
 * Memory: only the stack copy is readable.  The mapped files' bytes are
 * all a snapshot could add, and they are code: x86-64 CFI never reads
 * code (the PLT's CFA expression computes from rip without a load), so
 * reading them would only let a garbage frame pointer walk on through
 * instructions.  A read past the copy's end tells UNWIND_STOP_STACK,
 * which libdwfl alone would report as the outermost frame (it takes an
 * unreadable return address for an undefined one: handle_cfi()).
 *
 * Where a pc has no CFI (no module, or no FDE in .eh_frame nor in the
 * file's own .debug_frame), libdwfl calls the backend's unwind hook, and
 * x86-64's (backends/x86_64_unwind.c, elfutils 0.169 on; checked in
 * 0.188) walks the frame pointer: return address at [rbp + 8], caller's
 * rbp at [rbp], sp = rbp + 16, stopping if sp did not grow.  So a module
 * we could not open is unwound as the module's frame pointers allow,
 * and frameless code without CFI ends the chain.
 *
 * Untrusted input: the stack and registers are only read through
 * memory_read(), which bounds every read by the copy; the mappings are
 * only used in order and without overlap; the files go through libelf
 * and libdw's checks and ours (x86-64 ET_EXEC/ET_DYN, build-id, the
 * mapping's offset in a PT_LOAD).  Frames are bounded by @max, and each
 * frame's sp must be above the last one's, so garbage cannot loop.
 *
 * The cached rules (cfirules.h) unwind a sample first, at about a
 * fortieth of libdwfl's cost per frame; a sample with a frame they do not
 * cover goes through dwfl_getthread_frames() from the start, and the
 * result is the same either way (test-unwind compares them).
 *
 * Needs elfutils 0.188 (dwfl_frame_reg()).
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buildid.h"
#include "recording/addrspace.h"
#include "unwind/cfirules.h"
#include "unwind/dwarf.h"

/* Snapshots whose Dwfl is kept: a busy machine's running processes. */
#define SLOTS		64
/* PT_LOADs looked at per file; a linked file has 2 to 5. */
#define MAX_LOADS	16
/*
 * A failed read this far above the copy is the stack going on; farther,
 * a wild pointer.  8 MiB is the usual stack size limit.
 */
#define STACK_REACH	(8ULL << 20)
/* How far dwarf_unwinder__scan() looks for a return address. */
#define SCAN_BYTES	4096
/* x86-64 DWARF register numbers (psABI, figure 3.36). */
#define DWARF_RBP	6
#define DWARF_RSP	7
#define DWARF_RIP	16
/* The kernel's name: libdwfl's callbacks get more than they need. */
#define __always_unused	__attribute__((unused))

struct load {
	__u64 offset;
	__u64 vaddr;
	__u64 filesz;
};

struct ufile {
	__u64 dev;
	__u64 ino;
	__u64 size;
	struct timespec mtime;
	Elf *elf;		/* our reference; modules hold their own */
	unsigned int users;	/* references held by cached slots */
	unsigned int nr_loads;
	struct load loads[MAX_LOADS];
	__u64 low_vaddr;	/* libdwfl's: first PT_LOAD, aligned down */
	__u64 end_vaddr;	/* end of the last PT_LOAD */
	bool exec;		/* ET_EXEC */
	int build_id_size;	/* < 0: unreadable */
	unsigned char build_id[BUILD_ID_MAX];
	unsigned int id;	/* the key of its rules in u->rules */
};

struct slot {
	const struct proc *proc;	/* NULL: free */
	unsigned int gen;
	const struct map *maps;		/* what snaps[gen] held when built */
	__u32 nr_maps;
	__u64 used;			/* u->clock at the last use */
	Dwfl *dwfl;
	struct ufile **files;		/* one reference each */
	unsigned int nr_files;
	struct unwind_module *mods;	/* nr_files, for cfi_rules__walk() */
};

struct sample {
	__u64 ip, sp, bp;
	const unsigned char *stack;
	__u64 size;
	bool fault;		/* a read failed since the last frame */
	__u64 fault_off;	/* its address - sp */
};

struct dwarf_unwinder {
	struct unwind_file_ops ops;
	Elf64_Ehdr arch_ehdr;		/* the image behind @arch */
	Elf *arch;
	struct slot slots[SLOTS];
	struct slot *last;
	__u64 clock;
	struct ufile **files;
	unsigned int nr_files;
	unsigned int cap_files;
	unsigned int last_file_id;
	struct cfi_rules *rules;	/* NULL: libdwfl unwinds every sample */
	struct sample cur;
	struct dwarf_unwinder_stats stats;
};

/* Files: the shared ELF handles. */

static void file_free(struct ufile *f)
{
	elf_end(f->elf);
	free(f);
}

/* Whether @elf is code an x86-64 process maps, and its PT_LOADs. */
static int file_parse(struct ufile *f)
{
	GElf_Ehdr eh;
	size_t i, phnum;
	bool first = true;

	if (elf_kind(f->elf) != ELF_K_ELF || !gelf_getehdr(f->elf, &eh) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
		return -ENOEXEC;
	/*
	 * Only these are mapped to run; libdwfl would also relocate an
	 * ET_REL in place, writing to our read-only mapping of the file.
	 */
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return -ENOEXEC;
	f->exec = eh.e_type == ET_EXEC;
	if (elf_getphdrnum(f->elf, &phnum))
		return -ENOEXEC;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(f->elf, i, &ph))
			return -ENOEXEC;
		if (ph.p_type != PT_LOAD)
			continue;
		/* The same choices as libdwfl's, for the same bias. */
		if (first)
			f->low_vaddr = ph.p_vaddr & -ph.p_align;
		first = false;
		if (ph.p_vaddr + ph.p_memsz > 0)
			f->end_vaddr = ph.p_vaddr + ph.p_memsz;
		if (f->nr_loads < MAX_LOADS) {
			f->loads[f->nr_loads].offset = ph.p_offset;
			f->loads[f->nr_loads].vaddr = ph.p_vaddr;
			f->loads[f->nr_loads].filesz = ph.p_filesz;
			f->nr_loads++;
		}
	}
	if (!f->nr_loads || f->end_vaddr <= f->low_vaddr)
		return -ENOEXEC;
	f->build_id_size = buildid__from_elf(f->elf, f->build_id,
					     sizeof(f->build_id));
	return 0;
}

static void files_remove(struct dwarf_unwinder *u, unsigned int i)
{
	file_free(u->files[i]);
	u->files[i] = u->files[--u->nr_files];
	u->stats.files_live = u->nr_files;
}

/*
 * file_get - the file of mapping @m in *@fp, read once for all snapshots
 * (*@fp NULL when ops->open refuses it or it is not x86-64 code).  The
 * caller takes a reference, or files_sweep() lets it go.  Returns 0 or
 * -ENOMEM.
 */
static int file_get(struct dwarf_unwinder *u, __u32 pid, const struct map *m,
		    struct ufile **fp)
{
	struct ufile *f;
	struct stat st;
	unsigned int i;
	int fd;

	*fp = NULL;
	fd = u->ops.open(u->ops.ctx, pid, m);
	if (fd < 0)
		return 0;
	u->stats.file_opens++;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	/*
	 * A linear search: it runs when a snapshot's state is built, for
	 * its few dozen mappings, against the few hundred files held.
	 */
	for (i = 0; i < u->nr_files; i++) {
		f = u->files[i];
		if (f->dev == st.st_dev && f->ino == st.st_ino &&
		    f->size == (__u64)st.st_size &&
		    f->mtime.tv_sec == st.st_mtim.tv_sec &&
		    f->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			close(fd);
			*fp = f;
			return 0;
		}
	}
	if (u->nr_files == u->cap_files) {
		unsigned int cap = u->cap_files ? 2 * u->cap_files : 16;
		struct ufile **p = reallocarray(u->files, cap, sizeof(*p));

		if (!p) {
			close(fd);
			return -ENOMEM;
		}
		u->files = p;
		u->cap_files = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	/*
	 * Read what is not mapped, then let the descriptor go: a session
	 * can hold more files than it may keep open.
	 */
	f->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_cntl(f->elf, ELF_C_FDREAD) || file_parse(f)) {
		close(fd);
		file_free(f);
		return 0;
	}
	close(fd);
	f->id = ++u->last_file_id;
	u->files[u->nr_files++] = f;
	u->stats.files_loaded++;
	u->stats.files_live = u->nr_files;
	*fp = f;
	return 0;
}

/* Let go of the files no cached snapshot uses. */
static void files_sweep(struct dwarf_unwinder *u)
{
	unsigned int i = 0;

	while (i < u->nr_files)
		if (u->files[i]->users)
			i++;
		else
			files_remove(u, i);
}

/*
 * file_place - where @f goes when mapped as @m: [*@low, *@high), the
 * module libdwfl will give the bias we computed.  False when @m does not
 * fit @f: @m's build-id was recorded and is not @f's (another build of the
 * file now at that path: its CFI would give confident garbage), @m's
 * offset is in no PT_LOAD, an executable would not be where it was linked,
 * or the module would not hold @m's start.
 */
static bool file_place(const struct ufile *f, const struct map *m,
		       __u64 *low, __u64 *high)
{
	unsigned int i;

	if (m->build_id_size &&
	    (f->build_id_size != m->build_id_size ||
	     memcmp(f->build_id, m->build_id, m->build_id_size)))
		return false;
	for (i = 0; i < f->nr_loads; i++) {
		const struct load *l = &f->loads[i];
		/* A mapping starts at the page holding its segment's start. */
		__u64 page = l->offset & ~4095ULL, bias;

		if (m->pgoff < page ||
		    m->pgoff - page >= l->filesz + (l->offset - page))
			continue;
		bias = m->start - m->pgoff - (l->vaddr - l->offset);
		if (f->exec && bias)
			return false;
		*low = bias + f->low_vaddr;
		*high = bias + f->end_vaddr;
		return *low < *high && *low <= m->start && m->start < *high;
	}
	return false;
}

/* libdwfl's callbacks. */

static int find_elf(struct Dwfl_Module *mod __always_unused, void **userdata,
		    const char *name __always_unused,
		    Dwarf_Addr base __always_unused,
		    char **file_name __always_unused, Elf **elfp)
{
	struct ufile *f = *userdata;

	/* The shared handle, counted: the module's elf_end() uncounts it. */
	*elfp = elf_begin(-1, ELF_C_READ_MMAP, f->elf);
	return -1;
}

/*
 * No separate debug files: .eh_frame covers all code built with
 * asynchronous unwind tables (what distributions ship), and where debug
 * files live is the caller's policy (a debug root, --symfs), which the
 * file ops would have to carry.  A file's own .debug_frame is still used.
 */
static int find_debuginfo(struct Dwfl_Module *mod __always_unused,
			  void **userdata __always_unused,
			  const char *name __always_unused,
			  Dwarf_Addr base __always_unused,
			  const char *file_name __always_unused,
			  const char *debuglink __always_unused,
			  GElf_Word crc __always_unused,
			  char **debuginfo_file_name __always_unused)
{
	return -1;
}

/* Only get_thread is used, but libdwfl insists on this one. */
static pid_t next_thread(Dwfl *dwfl __always_unused,
			 void *arg __always_unused,
			 void **thread_argp __always_unused)
{
	return 0;
}

static bool get_thread(Dwfl *dwfl __always_unused,
		       pid_t tid __always_unused, void *arg,
		       void **thread_argp)
{
	*thread_argp = arg;
	return true;
}

static bool memory_read(Dwfl *dwfl __always_unused, Dwarf_Addr addr,
			Dwarf_Word *result, void *arg)
{
	struct sample *c = &((struct dwarf_unwinder *)arg)->cur;
	__u64 off = addr - c->sp;

	if (off < c->size && c->size - off >= sizeof(*result)) {
		memcpy(result, c->stack + off, sizeof(*result));
		return true;
	}
	c->fault = true;
	c->fault_off = off;
	return false;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	const struct sample *c = &((struct dwarf_unwinder *)arg)->cur;
	Dwarf_Word bp_sp[2] = { c->bp, c->sp }, ip = c->ip;

	dwfl_thread_state_register_pc(thread, ip);
	return dwfl_thread_state_registers(thread, DWARF_RBP, 2, bp_sp) &&
	       dwfl_thread_state_registers(thread, DWARF_RIP, 1, &ip);
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
};

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* Snapshots: the cached Dwfls. */

static void slot_clear(struct dwarf_unwinder *u, struct slot *s)
{
	unsigned int i;

	/* The Dwfl first: its modules drop their references to the ELFs. */
	if (s->dwfl)
		dwfl_end(s->dwfl);
	for (i = 0; i < s->nr_files; i++)
		s->files[i]->users--;
	free(s->files);
	free(s->mods);
	memset(s, 0, sizeof(*s));
	files_sweep(u);
}

/* Whether @m maps a file (the vDSO's recorded image counts). */
static bool has_file(const struct map *m)
{
	return !map__is_anon(m);
}

/*
 * slot_build - a Dwfl for snapshot @gen of @proc into the cleared @s: a
 * module per file mapped, attached to our thread callbacks.  A file that
 * cannot be opened or placed gets no module (its code is unwound by frame
 * pointer).  Returns 0 or -ENOMEM.
 */
static int slot_build(struct dwarf_unwinder *u, struct slot *s,
		      const struct proc *proc, unsigned int gen)
{
	const struct snapshot *snap = &proc->snaps[gen];
	__u64 prev_high = 0;
	unsigned int i;
	int err = 0;

	s->dwfl = dwfl_begin(&dwfl_callbacks);
	s->files = calloc((size_t)snap->nr_maps + 1, sizeof(*s->files));
	s->mods = calloc((size_t)snap->nr_maps + 1, sizeof(*s->mods));
	if (!s->dwfl || !s->files || !s->mods) {
		slot_clear(u, s);
		return -ENOMEM;
	}
	dwfl_report_begin(s->dwfl);
	for (i = 0; i < snap->nr_maps && !err; i++) {
		const struct map *m = &snap->maps[i];
		struct Dwfl_Module *mod;
		struct ufile *f;
		__u64 low, high;
		void **ud;

		/*
		 * The maps are sorted and modules must not overlap: a map
		 * inside the last module is that file's other segment (or
		 * garbage), already covered.
		 */
		if (!has_file(m) || (s->nr_files && m->start < prev_high))
			continue;
		err = file_get(u, proc->pid, m, &f);
		if (err || !f || !file_place(f, m, &low, &high) ||
		    (s->nr_files && low < prev_high))
			continue;
		mod = dwfl_report_module(s->dwfl, m->path, low, high);
		if (!mod) {
			err = -ENOMEM;
			break;
		}
		dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
		*ud = f;
		f->users++;
		s->mods[s->nr_files] = (struct unwind_module){
			.low = low,
			.high = high,
			.bias = low - f->low_vaddr,
			.file_id = f->id,
			.mod = mod,
		};
		s->files[s->nr_files++] = f;
		u->stats.modules++;
		prev_high = high;
	}
	if (dwfl_report_end(s->dwfl, NULL, NULL) && !err)
		err = -ENOMEM;
	/*
	 * The architecture comes from u->arch, not from a module: a process
	 * none of whose files opened still unwinds by frame pointer.
	 */
	if (!err && !dwfl_attach_state(s->dwfl, u->arch, (pid_t)proc->pid,
				       &thread_callbacks, u))
		err = -ENOMEM;
	files_sweep(u);
	if (err) {
		slot_clear(u, s);
		return err;
	}
	s->proc = proc;
	s->gen = gen;
	s->maps = snap->maps;
	s->nr_maps = snap->nr_maps;
	u->stats.dwfl_builds++;
	return 0;
}

/* The slot of (@proc, @gen) in *@sp, built on a miss; 0 or -ENOMEM. */
static int slot_get(struct dwarf_unwinder *u, const struct proc *proc,
		    unsigned int gen, struct slot **sp)
{
	const struct snapshot *snap = &proc->snaps[gen];
	struct slot *s = u->last, *victim = &u->slots[0];
	unsigned int i;
	int err;

	if (!s || s->proc != proc || s->gen != gen) {
		s = NULL;
		for (i = 0; i < SLOTS && !s; i++) {
			struct slot *t = &u->slots[i];

			if (t->proc == proc && t->gen == gen)
				s = t;
			else if (t->used < victim->used)
				victim = t;
		}
	}
	/* The same key with other maps: @proc was freed and reused. */
	if (s && (s->maps != snap->maps || s->nr_maps != snap->nr_maps)) {
		slot_clear(u, s);
		victim = s;
		s = NULL;
	}
	if (s) {
		u->stats.dwfl_hits++;
	} else {
		if (victim->proc) {
			slot_clear(u, victim);
			u->stats.dwfl_evictions++;
		}
		err = slot_build(u, victim, proc, gen);
		if (err) {
			u->last = NULL;
			return err;
		}
		s = victim;
	}
	s->used = ++u->clock;
	u->last = s;
	*sp = s;
	return 0;
}

/* Samples. */

struct walk {
	__u64 *pcs;
	unsigned int n;
	unsigned int max;
	__u64 sp;		/* of the last frame that had one */
	enum unwind_stop stop;	/* when the callback stopped the walk */
	struct sample *cur;
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	Dwarf_Word sp;

	/* Reaching this frame, a failed read did not stop the unwind. */
	w->cur->fault = false;
	if (!dwfl_frame_pc(state, &pc, NULL)) {
		w->stop = UNWIND_STOP_ERROR;
		return DWARF_CB_ABORT;
	}
	if (w->n && !pc) {
		w->stop = UNWIND_STOP_END;
		return DWARF_CB_ABORT;
	}
	/*
	 * A caller's frame is above its callee's; a frame that is not came
	 * from garbage, and taking it could go round in circles.
	 */
	if (!dwfl_frame_reg(state, DWARF_RSP, &sp)) {
		if (w->n && sp <= w->sp) {
			w->stop = UNWIND_STOP_ERROR;
			return DWARF_CB_ABORT;
		}
		w->sp = sp;
	}
	w->pcs[w->n++] = pc;
	if (w->n == w->max) {
		w->stop = UNWIND_STOP_MAX;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

int dwarf_unwinder__unwind(struct dwarf_unwinder *u, struct proc *proc,
			   unsigned int gen, const struct unwind_regs *regs,
			   const void *stack, __u64 stack_size, __u64 *pcs,
			   unsigned int max, enum unwind_stop *stop)
{
	struct walk w = { .pcs = pcs, .max = max, .cur = &u->cur };
	struct sample *c = &u->cur;
	struct slot *s;
	int err;

	if (gen >= proc->nr_snaps || !max)
		return -EINVAL;
	err = slot_get(u, proc, gen, &s);
	if (err)
		return err;
	c->ip = regs->ip;
	c->sp = regs->sp;
	c->bp = regs->bp;
	c->stack = stack;
	c->size = stack ? stack_size : 0;
	c->fault = false;
	if (u->rules) {
		err = cfi_rules__walk(u->rules, s->mods, s->nr_files, regs,
				      stack, c->size, pcs, max, stop);
		if (err > 0) {
			c->stack = NULL;
			u->stats.unwinds++;
			u->stats.rule_unwinds++;
			u->stats.frames += err;
			return err;
		}
	}
	err = dwfl_getthread_frames(s->dwfl, (pid_t)proc->pid, frame_cb, &w);
	if (!w.n) {
		/* libdwfl failed before the first frame: out of memory. */
		pcs[0] = regs->ip;
		w.n = 1;
		*stop = UNWIND_STOP_ERROR;
	} else if (err == DWARF_CB_ABORT) {
		*stop = w.stop;
	} else if (c->fault) {
		/* A word not wholly in the copy, or one past its end. */
		*stop = c->fault_off < c->size ||
			c->fault_off - c->size < STACK_REACH ?
			UNWIND_STOP_STACK : UNWIND_STOP_NO_INFO;
	} else {
		*stop = err ? UNWIND_STOP_NO_INFO : UNWIND_STOP_END;
	}
	c->stack = NULL;
	u->stats.unwinds++;
	u->stats.frames += w.n;
	return w.n;
}

/*
 * Whether the code before @addr in @mod ends with a call instruction
 * (the x86-64 forms compilers emit): then @addr is a return address.
 */
static bool after_call(Dwfl_Module *mod, Dwarf_Addr addr)
{
	Dwarf_Addr rel = addr, bias;
	const unsigned char *c;
	Elf_Data *data;
	Elf_Scn *scn;
	GElf_Shdr sh;
	__u64 off;

	scn = dwfl_module_address_section(mod, &rel, &bias);
	if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR))
		return false;
	data = elf_getdata(scn, NULL);
	/* @rel is @addr's offset in the section; 7 bytes before it. */
	if (!data || !data->d_buf || rel < 7 || rel > data->d_size)
		return false;
	off = rel;
	c = (const unsigned char *)data->d_buf + off;
	return c[-5] == 0xe8 ||				/* call rel32 */
	       (c[-2] == 0xff && (c[-1] & 0xf8) == 0xd0) ||	/* call *%reg */
	       (c[-3] == 0xff && (c[-2] & 0xf8) == 0x50) ||	/* *d8(%reg) */
	       (c[-6] == 0xff && (c[-5] == 0x15 ||		/* *d32(%rip) */
				  (c[-5] & 0xf8) == 0x90)) ||	/* *d32(%reg) */
	       (c[-2] == 0xff && (c[-1] & 0xf8) == 0x10) ||	/* *(%reg) */
	       (c[-3] == 0xff && c[-2] == 0x14) ||		/* *(%reg,%reg,s) */
	       (c[-4] == 0xff && c[-3] == 0x54) ||		/* *d8(,%reg,s) */
	       (c[-7] == 0xff && c[-6] == 0x94);		/* *d32(,%reg,s) */
}

int dwarf_unwinder__scan(struct dwarf_unwinder *u, struct proc *proc,
			 unsigned int gen, const void *stack, __u64 size,
			 __u64 *ret, __u64 *after)
{
	const unsigned char *p = stack;
	struct slot *s;
	__u64 i, v;
	int err;

	if (gen >= proc->nr_snaps)
		return -EINVAL;
	err = slot_get(u, proc, gen, &s);
	if (err)
		return err;
	for (i = 0; i + 8 <= size && i < SCAN_BYTES; i += 8) {
		Dwfl_Module *mod;

		memcpy(&v, p + i, 8);
		mod = v ? dwfl_addrmodule(s->dwfl, v) : NULL;
		if (mod && after_call(mod, v)) {
			*ret = v;
			*after = i + 8;
			return 0;
		}
	}
	return -ENOENT;
}

int dwarf_unwinder__new(struct dwarf_unwinder **up,
			const struct unwind_file_ops *ops)
{
	struct dwarf_unwinder *u;
	Elf64_Ehdr *eh;

	if (!ops->open)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->ops = *ops;
	if (cfi_rules__new(&u->rules, &u->stats)) {
		free(u);
		return -ENOMEM;
	}
	/*
	 * libdwfl takes its backend (registers, the ABI's default CFI, the
	 * frame-pointer fallback) from an ELF header: this one says x86-64.
	 */
	eh = &u->arch_ehdr;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(*eh);
	elf_version(EV_CURRENT);
	u->arch = elf_memory((char *)eh, sizeof(*eh));
	if (!u->arch) {
		cfi_rules__free(u->rules);
		free(u);
		return -ENOMEM;
	}
	*up = u;
	return 0;
}

void dwarf_unwinder__free(struct dwarf_unwinder *u)
{
	unsigned int i;

	if (!u)
		return;
	for (i = 0; i < SLOTS; i++)
		slot_clear(u, &u->slots[i]);
	files_sweep(u);
	free(u->files);
	elf_end(u->arch);
	cfi_rules__free(u->rules);
	free(u);
}

void dwarf_unwinder__libdwfl_only(struct dwarf_unwinder *u)
{
	cfi_rules__free(u->rules);
	u->rules = NULL;
}

const struct dwarf_unwinder_stats *
dwarf_unwinder__stats(const struct dwarf_unwinder *u)
{
	return &u->stats;
}
