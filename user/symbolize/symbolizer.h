/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbolize layer: names for the addresses of one recording.
 *
 * A kernel address is named from the recording's kallsyms; a user address
 * from the file mapped there (read from disk, checked against the
 * recorded build-id) or from the recorded vDSO image.  Results are cached
 * by what they depend on: a user address by (file, file offset), however
 * many processes and snapshots map that file; a kernel address by itself.
 *
 * Names and DSO paths come from untrusted files: every string handed out
 * is made printable once, here, and interned, so two equal strings are
 * one pointer.  They live as long as the symbolizer.
 *
 * Single-threaded.  A file whose symbols cannot be used is named in one
 * line on stderr (the first few; the rest are counted when freed).
 */
#ifndef SONDE_SYMBOLIZER_H
#define SONDE_SYMBOLIZER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#include "recording/addrspace.h"
#include "recording/session.h"

#define SYMBOL_KERNEL_DSO	"[kernel.kallsyms]"
#define SYMBOL_UNKNOWN		"[unknown]"
/* Every kernel frame of a recording whose kallsyms were zeroed. */
#define SYMBOL_KERNEL		"[kernel]"

struct symbolizer_opts {
	/*
	 * Where separate debug files are looked for (ROOT/.build-id/xx/
	 * yyyy.debug, ROOT/DIR/NAME for a .gnu_debuglink NAME of a binary in
	 * DIR); NULL or "": /usr/lib/debug.
	 */
	const char *debug_root;
	/*
	 * A directory that stands for / when mapped files are opened (perf's
	 * --symfs): SYMFS/usr/bin/ls for /usr/bin/ls, to symbolize a recording
	 * from another machine against a copy of its files; and, without
	 * @debug_root, SYMFS/usr/lib/debug for separate debug files.  NULL or
	 * "": the files themselves.
	 */
	const char *symfs;
	/*
	 * No inline frames (perf's --no-inline): a location is its function
	 * only, and DWARF scopes are not walked.
	 */
	bool no_inline;
	/*
	 * No source files and lines, for outputs that show none (report,
	 * script, folded): a unit's line table is never decoded, and with
	 * @no_inline DWARF is not read at all (perf reads it only for
	 * srcline too).
	 */
	bool no_lines;
	/* Keep C++ and Rust symbol names as mangled (perf's --no-demangle). */
	bool no_demangle;
};

/*
 * struct symbol_line - a function inlined at an address (pprof's Line):
 * @name its name, @file and @line where the address or the inlined call
 * inside it is; @file NULL and @line 0 when unknown.
 */
struct symbol_line {
	const char *name;
	const char *file;
	__u32 line;
};

/*
 * struct symbol - what an address resolved to.
 * @name: the symbol; "FILE+0xVADDR" (FILE the mapped file's base name,
 *	VADDR its ELF address) when the file has no symbol there;
 *	SYMBOL_UNKNOWN when nothing is mapped there
 * @dso: SYMBOL_KERNEL_DSO, "[MODULE]", the mapped path, or SYMBOL_UNKNOWN
 * @sym_off: bytes from the symbol's start to the address looked up (only
 *	with @known)
 * @known: @name is a real symbol
 * @file, @line: where the address sits in @name's source, from DWARF:
 *	with inlining, the line of the outermost inlined call; NULL and 0
 *	when unknown
 * @inlined: @nr_inlined functions inlined into @name that hold the
 *	address, innermost first (so the last was inlined into @name)
 * @jit: @name comes from the process's jitdump or perf map
 *	(symbolizer__jit())
 * @jit_code: with @jit from a jitdump, 1 + which code load it is: code
 *	loaded at a reused address is another; 0 otherwise
 * @id: dense, one per distinct address looked up (user: per file and
 *	offset), from 0, for callers to index their own arrays by;
 *	SYMBOL_NO_ID for an address no mapping holds
 */
struct symbol {
	const char *name;
	const char *dso;
	__u64 sym_off;
	const char *file;
	const struct symbol_line *inlined;
	__u32 nr_inlined;
	__u32 line;
	__u32 id;
	__u32 jit_code;
	bool known;
	bool kernel;
	bool jit;
};

#define SYMBOL_NO_ID	UINT32_MAX

struct symbolizer;

/* The symbolizer of @s, which must outlive it.  0 or -ENOMEM. */
int symbolizer__new(struct symbolizer **sym, struct session *s,
		    const struct symbolizer_opts *o);
void symbolizer__free(struct symbolizer *sym);

/*
 * symbolizer__open_mapped - open the file behind @m of process @pid for
 * reading, as the symbolizer finds it: under --symfs, "[vdso]" as the
 * recorded image (in a memfd), and a path missing here under
 * /proc/@pid/root (a container's file, while the process lives; the
 * recorded build-id tells whether it is the same).  Returns the
 * descriptor (the caller closes it), -ENOENT for anonymous memory or a
 * missing image, or the -errno of opening it.
 */
int symbolizer__open_mapped(struct symbolizer *sym, __u32 pid,
			    const struct map *m);

/*
 * symbolizer__kernel - name the kernel address @addr.  The recording's
 * kallsyms are parsed on first use.  Returns 0 or -ENOMEM.
 */
int symbolizer__kernel(struct symbolizer *sym, __u64 addr,
		       struct symbol *out);
/*
 * symbolizer__user - name the user address @addr, mapped by @m (NULL:
 * by nothing recorded).  The file of @m is loaded on first use.
 * Returns 0 or -ENOMEM.
 */
int symbolizer__user(struct symbolizer *sym, struct map *m, __u64 addr,
		     struct symbol *out);

/*
 * symbolizer__jit - name the user address @addr of process @pid, sampled
 * at @time_ns (CLOCK_MONOTONIC), from the jitdump recorded for it
 * (symbolize/jitdump.h: the code there at that time, with its source
 * line), else from its perf map (symbolize/perfmap.h): the name with
 * @jit set, or SYMBOL_UNKNOWN where neither names anything; the DSO is
 * the file's path either way, so equal addresses of two processes stay
 * apart.  For addresses in anonymous memory, or in no mapping: a JIT
 * cannot rename its file-backed code.  The recording's jitdumps and perf
 * maps are parsed on first use.  Returns 0, -ENOENT when @pid has
 * neither, or -ENOMEM.
 */
int symbolizer__jit(struct symbolizer *sym, __u32 pid, __u64 addr,
		    __u64 time_ns, struct symbol *out);

#endif /* SONDE_SYMBOLIZER_H */
