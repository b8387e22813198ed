// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe, compiled by kmod/Kbuild against the target kernel's
 * headers; never linked.  Defines SONDE_HAVE_VM_FLAGS_SET when it
 * compiles.
 *
 * v6.3 made vm_area_struct.vm_flags const and added vm_flags_set() and
 * vm_flags_clear() (commit bc292ab00f6c, "mm: introduce vma->vm_flags
 * wrapper functions"); before that the field was written directly.
 */
#include <linux/mm.h>

void sonde_probe(struct vm_area_struct *vma);
void sonde_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTDUMP);
}
