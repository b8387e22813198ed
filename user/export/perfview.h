/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Export layer: the profile as PerfView's XML stack format, the one its
 * XmlStackSource reads and its XmlStackSourceWriter writes (open it in
 * PerfView as a file named NAME.perfView.xml):
 *
 *   <StackWindow><StackSource>
 *    <Frames Count="N"><Frame ID="0">module!function</Frame>...</Frames>
 *    <Stacks Count="N"><Stack ID="0" CallerID="-1" FrameID="0"/>...</Stacks>
 *    <Samples Count="N"><Sample ID="0" Time="MS" StackID="S" Metric="W"/>...
 *   </StackSource></StackWindow>
 *
 * A Stack is one node of the call tree: a frame and the Stack of its
 * caller (-1 at the root).  Every sample's chain starts at a "Process
 * NAME (PID)" frame, then "Thread (TID)", then the frames root first
 * (each inlined function a frame of its own above its caller), as
 * PerfView's own stacks do, so that PerfView does not take them for
 * broken stacks.  Time is milliseconds from the recording's start,
 * Metric the samples the sample stands for.  Text is escaped by
 * lib/xml.h (entities, U+FFFD for control characters and bad UTF-8).
 */
#ifndef SONDE_EXPORT_PERFVIEW_H
#define SONDE_EXPORT_PERFVIEW_H

#include <stdio.h>

#include "profile/profile.h"

/*
 * perfview__write - @p as PerfView XML to @out.  Returns 0, -ENOMEM, or
 * the -errno of the failing write (-EPIPE: the reader went away).
 */
int perfview__write(const struct profile *p, FILE *out);

#endif /* SONDE_EXPORT_PERFVIEW_H */
