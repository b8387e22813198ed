// SPDX-License-Identifier: GPL-2.0
/*
 * Export layer: an interactive flame graph, one self-contained SVG file.
 *
 * The format's idea is Brendan Gregg's FlameGraph (flamegraph.pl): each
 * frame a <g> holding a <title> (the tooltip, "NAME (N samples, P%)",
 * "1 sample"), a <rect> and a <text> label where it fits; x by
 * cumulative count, width by count, y by depth; a search box and click
 * to zoom.  The code and the
 * small script (svg-script.c) are our own.  With JavaScript off the
 * image is the whole flame graph, labelled, with <title> tooltips.
 *
 * The samples become a merged call tree: "all", then the process name,
 * then the frames root first (a location's function, then what was
 * inlined into it, innermost last, as folded.c orders them); with
 * opts->reverse the frames go leaf first and the process name comes
 * last: an icicle of callers, drawn top down.  Nodes are merged by
 * (parent, function, inlined or not), siblings sorted by name, so one
 * profile always gives the same bytes.  Colours say the kind: user
 * (warm), kernel (blue), JIT (green), inlined (aqua), process (violet);
 * each <g> has the class "f" and one of u, k, j, i, p.
 *
 * Frames narrower than opts->min_width px (FlameGraph's --minwidth) are
 * pruned with everything they call; the header comment and the subtitle
 * say how many were (not counting what they call, which is never
 * looked at).
 *
 * Memory is bounded by the merged call tree, and of that only the frames
 * drawn and the pruned ones next to them (grow_tree()): per node 40
 * bytes (in an array that doubles: at most twice over) and an 8-byte
 * hash slot at most four times over.  Besides, per distinct (process
 * name, stack) 16 bytes at most four times over, and 16 for its cursor
 * while the tree grows; scratch for a node's children and a name.  The
 * output is written as it is laid out: nothing of it is kept.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export/svg.h"
#include "lib/hmap.h"
#include "lib/utf8.h"
#include "lib/util.h"

#define SVG_WIDTH	1200
#define SVG_MIN_WIDTH	0.1
#define PAD_X		10
#define FRAME_H		16
#define FONT_SIZE	12
#define CHAR_W		7.2	/* of FONT_SIZE monospace */
#define PAD_TOP		(FONT_SIZE * 4)
#define PAD_BOTTOM	(FONT_SIZE * 2 + 6)

#define COMM_BIT	(1u << 31)	/* a frame that is a process name */
#define ROOT_FRAME	UINT32_MAX
#define NONE		UINT32_MAX

struct node {
	__u64 count;
	__u64 start;	/* samples left of it in its row */
	__u32 parent;
	__u32 frame;	/* function * 2 + inlined, or COMM_BIT | comm */
	__u32 child;	/* first; sorted by name once laid out */
	__u32 sibling;
	__u32 depth;
};

struct pair {
	__u64 key;	/* comm << 32 | stack */
	__u64 count;	/* 0: empty slot */
};

struct svg {
	const struct profile *p;
	struct node *nodes;
	__u32 nr, cap;
	/* the hash's top 32 bits << 32 | node + 1; 0: empty */
	__u64 *slots;
	size_t nr_slots;
	__u32 *order;	/* scratch: one node's children, to sort */
	size_t cap_order;
	bool reverse;
	double width, min_w, scale;	/* scale: px per sample */
	struct buf name;
	FILE *out;
	int err;	/* the first write error */
};

static void out(struct svg *s, const char *fmt, ...) __printf(2, 3);

static void out(struct svg *s, const char *fmt, ...)
{
	va_list ap;

	if (s->err)
		return;
	va_start(ap, fmt);
	if (vfprintf(s->out, fmt, ap) < 0)
		s->err = errno ? -errno : -EIO;
	va_end(ap);
}

static __u64 node_hash(__u32 parent, __u32 frame)
{
	return hash_u64((__u64)parent << 32 | frame);
}

static int grow_slots(struct svg *s)
{
	size_t n = s->nr_slots ? s->nr_slots * 2 : 1024, i, j;
	__u64 *slots = calloc(n, sizeof(*slots)), h;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++) {
		h = node_hash(s->nodes[i].parent, s->nodes[i].frame);
		for (j = h & (n - 1); slots[j]; j = (j + 1) & (n - 1))
			;
		slots[j] = (h >> 32) << 32 | (i + 1);
	}
	free(s->slots);
	s->slots = slots;
	s->nr_slots = n;
	return 0;
}

/*
 * The child of @parent for @frame, added if new: its index, or NONE.
 * A slot keeps half the hash, so that a probe reads a node only when
 * that half matches: the tree is far larger than the caches.
 */
static __u32 child_of(struct svg *s, __u32 parent, __u32 frame)
{
	struct node *n;
	__u64 h, tag;
	size_t j;

	if ((size_t)s->nr * 2 >= s->nr_slots && grow_slots(s))
		return NONE;
	h = node_hash(parent, frame);
	tag = (h >> 32) << 32;
	for (j = h & (s->nr_slots - 1); s->slots[j];
	     j = (j + 1) & (s->nr_slots - 1)) {
		if ((s->slots[j] & ~0xffffffffULL) != tag)
			continue;
		n = &s->nodes[(__u32)s->slots[j] - 1];
		if (n->parent == parent && n->frame == frame)
			return (__u32)s->slots[j] - 1;
	}
	if (s->nr == s->cap) {
		__u32 cap = s->cap ? s->cap * 2 : 1024;

		if (cap <= s->cap || cap >= NONE / 2)
			return NONE;
		n = realloc(s->nodes, cap * sizeof(*n));
		if (!n)
			return NONE;
		s->nodes = n;
		s->cap = cap;
	}
	n = &s->nodes[s->nr];
	*n = (struct node){ .parent = parent, .frame = frame,
			    .child = NONE, .sibling = NONE };
	n->depth = parent == NONE ? 0 : s->nodes[parent].depth + 1;
	s->slots[j] = tag | (s->nr + 1);
	if (parent != NONE) {
		n->sibling = s->nodes[parent].child;
		s->nodes[parent].child = s->nr;
	}
	return s->nr++;
}

/*
 * A path through the tree being followed, one frame per level: @pair's
 * (process, stack), @node its frame so far, @at and @sub where in the
 * stack (locations taken, frames taken of the current one).
 */
struct cursor {
	__u32 node;
	__u32 pair;
	__u32 at;
	__u32 sub;
};

/*
 * The next frame of @c's path: the process, then root first each
 * location's function and what was inlined into it, innermost last;
 * reversed, the same backwards.  NONE at the end.
 */
static __u32 next_frame(const struct svg *s, struct cursor *c, __u32 comm,
			const struct profile_stack *ps)
{
	const struct profile *p = s->p;
	const struct profile_location *loc;

	if (!s->reverse && !c->at) {
		c->at = 1;
		return COMM_BIT | comm;
	}
	for (;;) {
		__u32 li = s->reverse ? c->at : c->at - 1;

		if (li > ps->nr || (li == ps->nr && !s->reverse))
			return NONE;
		if (li == ps->nr) {
			c->at++;
			return COMM_BIT | comm;
		}
		loc = &p->locations[ps->locs[s->reverse ? li :
						ps->nr - 1 - li]];
		if (c->sub > loc->nr_inlined) {
			c->at++;
			c->sub = 0;
			continue;
		}
		c->sub++;
		if (s->reverse && c->sub <= loc->nr_inlined)
			return p->lines[loc->inlined + c->sub - 1].function * 2 + 1;
		if (s->reverse || c->sub == 1)
			return loc->function * 2;
		return p->lines[loc->inlined + loc->nr_inlined + 1 - c->sub]
			.function * 2 + 1;
	}
}

static bool is_drawn(const struct svg *s, __u32 n)
{
	return !n || s->nodes[n].count * s->scale >= s->min_w;
}

/*
 * The tree, one level at a time: every path still in a drawn frame takes
 * its next frame, and stops where that frame is too narrow to draw.  So
 * the tree holds the frames drawn and the pruned ones right above them,
 * never what those call: a profile of many distinct deep stacks costs
 * what it draws.
 */
static int grow_tree(struct svg *s, const struct pair *pairs, size_t nr)
{
	struct cursor *cur = calloc(nr + 1, sizeof(*cur));
	size_t nr_cur = nr, i;

	if (!cur)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		cur[i].pair = i;
	while (nr_cur) {
		for (i = 0; i < nr_cur;) {
			const struct pair *q = &pairs[cur[i].pair];
			__u32 f = next_frame(s, &cur[i], q->key >> 32,
					     &s->p->stacks[(__u32)q->key]);

			if (f == NONE) {
				cur[i] = cur[--nr_cur];
				continue;
			}
			cur[i].node = child_of(s, cur[i].node, f);
			if (cur[i].node == NONE) {
				free(cur);
				return -ENOMEM;
			}
			s->nodes[cur[i].node].count =
				sat_add_u64(s->nodes[cur[i].node].count,
					    q->count);
			i++;
		}
		for (i = 0; i < nr_cur;)
			if (is_drawn(s, cur[i].node))
				i++;
			else
				cur[i] = cur[--nr_cur];
	}
	free(cur);
	return 0;
}

/*
 * Sum the samples per (process name, stack) in an open-addressing table,
 * then grow the tree from the sums: a stack is walked once per level,
 * not once per sample.
 */
static int add_samples(struct svg *s)
{
	const struct profile *p = s->p;
	struct pair *pairs = NULL;
	size_t nr = 0, cap = 0, i, j;
	__u64 total = 0;
	int err = 0;

	for (i = 0; i < p->nr_samples; i++) {
		const struct profile_sample *ps = &p->samples[i];
		__u64 key;

		if (!ps->count)
			continue;
		if (nr * 2 >= cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct pair *np = calloc(ncap, sizeof(*np));

			if (!np) {
				err = -ENOMEM;
				goto out;
			}
			for (j = 0; j < cap; j++) {
				size_t h;

				if (!pairs[j].count)
					continue;
				h = hash_u64(pairs[j].key) & (ncap - 1);
				while (np[h].count)
					h = (h + 1) & (ncap - 1);
				np[h] = pairs[j];
			}
			free(pairs);
			pairs = np;
			cap = ncap;
		}
		key = (__u64)p->threads[ps->thread].comm << 32 | ps->stack;
		j = hash_u64(key) & (cap - 1);
		while (pairs[j].count && pairs[j].key != key)
			j = (j + 1) & (cap - 1);
		if (!pairs[j].count)
			nr++;
		pairs[j].key = key;
		pairs[j].count = sat_add_u64(pairs[j].count, ps->count);
		total = sat_add_u64(total, ps->count);
	}
	for (i = j = 0; i < cap; i++)
		if (pairs[i].count)
			pairs[j++] = pairs[i];
	s->nodes[0].count = total;
	s->scale = total ? (s->width - 2 * PAD_X) / total : 0;
	if (total)
		err = grow_tree(s, pairs, nr);
out:
	free(pairs);
	return err;
}

static const char *frame_name(const struct profile *p, __u32 frame)
{
	const char *name;

	if (frame == ROOT_FRAME)
		return "all";
	if (frame & COMM_BIT)
		name = profile__str(p, frame & ~COMM_BIT);
	else
		name = profile__str(p, p->functions[frame >> 1].name);
	return *name ? name : "[unknown]";
}

/* u: user, k: kernel, j: JIT, i: inlined, p: process, a: all */
static char frame_kind(const struct profile *p, __u32 frame)
{
	const struct profile_function *fn;

	if (frame == ROOT_FRAME)
		return 'a';
	if (frame & COMM_BIT)
		return 'p';
	if (frame & 1)
		return 'i';
	fn = &p->functions[frame >> 1];
	return fn->kernel ? 'k' : fn->jit ? 'j' : 'u';
}

static int cmp_node(const void *a, const void *b, void *arg)
{
	const struct svg *s = arg;
	const struct node *x = &s->nodes[*(const __u32 *)a];
	const struct node *y = &s->nodes[*(const __u32 *)b];
	int c;

	c = strcmp(frame_name(s->p, x->frame), frame_name(s->p, y->frame));
	if (c)
		return c;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/*
 * Sort @n's children by name.  Only the nodes drawn have theirs sorted:
 * most of a large tree is pruned, and never laid out.
 */
static int sort_children(struct svg *s, __u32 n)
{
	size_t nr = 0, i;
	__u32 c;

	for (c = s->nodes[n].child; c != NONE; c = s->nodes[c].sibling) {
		if (nr == s->cap_order) {
			size_t cap = nr ? nr * 2 : 64;
			__u32 *o = realloc(s->order, cap * sizeof(*o));

			if (!o)
				return -ENOMEM;
			s->order = o;
			s->cap_order = cap;
		}
		s->order[nr++] = c;
	}
	if (nr < 2)
		return 0;
	qsort_r(s->order, nr, sizeof(*s->order), cmp_node, s);
	s->nodes[n].child = s->order[0];
	for (i = 0; i + 1 < nr; i++)
		s->nodes[s->order[i]].sibling = s->order[i + 1];
	s->nodes[s->order[nr - 1]].sibling = NONE;
	return 0;
}

/* The node after @n in preorder, skipping @n's subtree unless @descend. */
static __u32 next_node(const struct svg *s, __u32 n, bool descend)
{
	if (descend && s->nodes[n].child != NONE)
		return s->nodes[n].child;
	for (; n; n = s->nodes[n].parent)
		if (s->nodes[n].sibling != NONE)
			return s->nodes[n].sibling;
	return NONE;
}

/*
 * The name as valid XML character data, in s->name (NUL-terminated):
 * control characters (C0, DEL, C1) become '?', ill-formed UTF-8
 * (lib/utf8.h) and U+FFFE, U+FFFF become U+FFFD.  Returns its length in
 * characters, or -ENOMEM.
 */
static long clean_name(struct svg *s, const char *name)
{
	const unsigned char *c = (const unsigned char *)name;
	size_t left = strlen(name), len, bad;
	long chars = 0;
	unsigned int cp;

	s->name.len = 0;
	while (left) {
		const void *at = c;

		len = utf8__char_len(c, left, &cp, &bad);
		if (!len) {
			at = UTF8_REPLACEMENT;
			len = bad;
		} else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			at = "?";
		} else if (cp == 0xfffe || cp == 0xffff) {
			at = UTF8_REPLACEMENT;
		}
		if (buf__append(&s->name, at, at == c ? len : strlen(at)))
			return -ENOMEM;
		c += len;
		left -= len;
		chars++;
	}
	if (buf__append(&s->name, "", 1))
		return -ENOMEM;
	return chars;
}

/* @n bytes of a clean name, with & < > " ' as entities. */
static void out_text(struct svg *s, const char *t, size_t n)
{
	size_t i, from = 0;

	for (i = 0; i < n && !s->err; i++) {
		const char *e = t[i] == '&' ? "&amp;" : t[i] == '<' ? "&lt;" :
				t[i] == '>' ? "&gt;" : t[i] == '"' ? "&quot;" :
				t[i] == '\'' ? "&#39;" : NULL;

		if (!e)
			continue;
		if (fwrite(t + from, 1, i - from, s->out) != i - from ||
		    fputs(e, s->out) < 0)
			s->err = errno ? -errno : -EIO;
		from = i + 1;
	}
	if (!s->err && fwrite(t + from, 1, n - from, s->out) != n - from)
		s->err = errno ? -errno : -EIO;
}

/* Bytes of the first @chars characters of the clean name @t. */
static size_t prefix_bytes(const char *t, long chars)
{
	size_t i = 0;

	for (; t[i] && chars >= 0; i++)
		if (((unsigned char)t[i] & 0xc0) != 0x80 && chars-- == 0)
			break;
	return i;
}

/* 0 <= v < 1 from the name, so a function keeps its colour. */
static double name_hash(const char *name, unsigned int salt)
{
	return (hash_bytes(name, strlen(name), salt) >> 11) /
	       (double)(1ULL << 53);
}

static void out_fill(struct svg *s, char kind, const char *name)
{
	double a = name_hash(name, 1), b = name_hash(name, 2);
	int r, g, bl;

	switch (kind) {
	case 'k':
		r = 60 + 70 * a, g = 130 + 60 * b, bl = 225 + 30 * a;
		break;
	case 'j':
		r = 60 + 70 * a, g = 195 + 50 * b, bl = 60 + 70 * b;
		break;
	case 'i':
		r = 60 + 60 * a, g = 190 + 55 * b, bl = 190 + 55 * b;
		break;
	case 'p':
		r = 170 + 40 * a, g = 150 + 40 * a, bl = 210 + 40 * b;
		break;
	case 'a':
		r = g = bl = 200;
		break;
	default:
		r = 225 + 30 * a, g = 90 + 130 * b, bl = 40 + 40 * a;
		break;
	}
	out(s, "rgb(%d,%d,%d)", r, g, bl);
}

static void out_frame(struct svg *s, const struct node *n, double x,
		      double w, double y)
{
	const char *name = frame_name(s->p, n->frame);
	char kind = frame_kind(s->p, n->frame);
	long chars = clean_name(s, name), fit;
	const char *t = s->name.data;

	if (chars < 0) {
		s->err = chars;
		return;
	}
	out(s, "<g class=\"f %c\"><title>", kind);
	out_text(s, t, s->name.len - 1);
	out(s, " (%llu sample%s, %.2f%%)</title>",
	    (unsigned long long)n->count, n->count == 1 ? "" : "s",
	    100.0 * n->count / s->nodes[0].count);
	out(s, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" rx=\"2\" fill=\"",
	    x, y, w, FRAME_H - 1);
	out_fill(s, kind, name);
	out(s, "\"/><text x=\"%.2f\" y=\"%.1f\">", x + 3, y + FRAME_H - 4.5);
	fit = floor((w - 6) / CHAR_W);
	if (fit >= 3 && chars <= fit) {
		out_text(s, t, s->name.len - 1);
	} else if (fit >= 3) {
		out_text(s, t, prefix_bytes(t, fit - 2));
		out(s, "..");
	}
	out(s, "</text></g>\n");
}

static void out_head(struct svg *s, const struct svg_opts *o, double width,
		     double height, double min_w, __u32 drawn)
{
	const char *title = o->title ? o->title : o->reverse ?
			    "Icicle Graph (callers)" : "Flame Graph";
	long chars = clean_name(s, title);

	out(s, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	    "<!-- %s, written by sonde export (format svg%s).\n"
	    "     Layout after Brendan Gregg's FlameGraph (flamegraph.pl); our own script.\n"
	    "     %llu samples; %u frames drawn (\"all\" aside); %u pruned, narrower\n"
	    "     than %.2f px (what they call is pruned too, and not counted).\n"
	    "     Names: & < > \" ' are written as entities; control characters\n"
	    "     (U+0000-U+001F, U+007F-U+009F) as '?'; bytes that are not UTF-8,\n"
	    "     and U+FFFE, U+FFFF, as U+FFFD. -->\n",
	    o->reverse ? "Icicle graph of callers (leaf functions at the root)" :
	    "Flame graph", o->reverse ? ", reversed" : "",
	    (unsigned long long)s->nodes[0].count, drawn, s->nr - 1 - drawn,
	    min_w);
	out(s, "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" data-reverse=\"%d\" data-w=\"%.0f\" data-px=\"%d\" data-cw=\"%.1f\">\n",
	    width, height, width, height, o->reverse, width, PAD_X, CHAR_W);
	out(s, "<style type=\"text/css\"><![CDATA[\n%s]]></style>\n", svg__style);
	out(s, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#f8f8f4\"/>\n",
	    width, height);
	out(s, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" style=\"font-size:17px\">",
	    width / 2, FONT_SIZE * 2);
	if (chars < 0)
		s->err = chars;
	else
		out_text(s, s->name.data, s->name.len - 1);
	out(s, "</text>\n");
}

static int write_tree(struct svg *s, const struct svg_opts *o)
{
	double width = s->width, min_w = s->min_w, scale = s->scale;
	__u64 total = s->nodes[0].count;
	__u32 n, c, drawn = 0, depth = 0;
	double height;

	/* Place each node in its row; count what is drawn. */
	for (n = 0; total && n != NONE;) {
		bool draw = is_drawn(s, n);
		__u64 at = s->nodes[n].start;

		if (draw) {
			int err = sort_children(s, n);

			if (err)
				return err;
			drawn += n != 0;
			depth = max_t(__u32, depth, s->nodes[n].depth);
			for (c = s->nodes[n].child; c != NONE;
			     c = s->nodes[c].sibling) {
				s->nodes[c].start = at;
				at += s->nodes[c].count;
			}
		}
		n = next_node(s, n, draw);
	}
	height = PAD_TOP + (depth + 1) * FRAME_H + PAD_BOTTOM;
	if (!total)
		height = PAD_TOP + 2 * FRAME_H + PAD_BOTTOM;
	out_head(s, o, width, height, min_w, drawn);
	if (!total) {
		out(s, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">no samples: the profile is empty</text>\n</svg>\n",
		    width / 2, PAD_TOP + FRAME_H);
		return s->err;
	}
	out(s, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" style=\"fill:#555\">%llu samples; %u frames narrower than %.2f px not drawn; click to zoom</text>\n",
	    width / 2, FONT_SIZE * 2 + 16, (unsigned long long)total,
	    s->nr - 1 - drawn, min_w);
	out(s, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n"
	    "<text id=\"search\" class=\"hide\" x=\"%.0f\" y=\"%d\" text-anchor=\"end\">Search</text>\n"
	    "<text id=\"matched\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\"></text>\n"
	    "<text id=\"details\" x=\"%d\" y=\"%.0f\"></text>\n",
	    PAD_X, FONT_SIZE * 2, width - PAD_X, FONT_SIZE * 2,
	    width - PAD_X, height - 10, PAD_X, height - 10);
	for (n = 0; n != NONE && !s->err;) {
		const struct node *nd = &s->nodes[n];
		bool draw = is_drawn(s, n);
		double y = o->reverse ? PAD_TOP + nd->depth * FRAME_H :
			   height - PAD_BOTTOM - (nd->depth + 1) * FRAME_H;

		if (draw)
			out_frame(s, nd, PAD_X + nd->start * scale,
				  nd->count * scale, y);
		n = next_node(s, n, draw);
	}
	out(s, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n</svg>\n",
	    svg__script);
	return s->err;
}

int svg__write(const struct profile *p, const struct svg_opts *o, FILE *out)
{
	static const struct svg_opts defaults;
	struct svg s = { .p = p, .out = out };
	int err = 0;

	if (!o)
		o = &defaults;
	s.reverse = o->reverse;
	s.width = !o->width ? SVG_WIDTH : o->width < 100 ? 100 : o->width;
	s.min_w = o->min_width > 0 ? o->min_width :
		  o->min_width < 0 ? 0 : SVG_MIN_WIDTH;
	if (p->nr_functions >= COMM_BIT / 2 || p->nr_strings > COMM_BIT)
		return -EOVERFLOW;
	if (child_of(&s, NONE, ROOT_FRAME) == NONE)
		err = -ENOMEM;
	if (!err)
		err = add_samples(&s);
	if (!err)
		err = write_tree(&s, o);
	if (!err && fflush(out))
		err = -errno;
	free(s.nodes);
	free(s.slots);
	free(s.order);
	buf__free(&s.name);
	return err;
}
