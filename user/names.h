/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * names.h - the names of the BPF object's maps and programs where the
 * loader needs them as text (pin files, metric labels, finding a dead
 * instance's programs): taken from the skeleton's own members, so a map
 * or program renamed in bpf/ fails the build here instead of leaving a
 * string behind that names nothing.
 */
#ifndef PS_NAMES_H
#define PS_NAMES_H

#include "portsense.h"	/* before the skeleton: its rodata uses our types */
#include "portsense.skel.h"

/* "ps_stats" for ps_stats, a compile error for a map the object lacks. */
#define PS_MAP_NAME(m)	(sizeof(((struct portsense_bpf *)0)->maps.m) ? #m : #m)
#define PS_PROG_NAME(p)	(sizeof(((struct portsense_bpf *)0)->progs.p) ? #p : #p)

/*
 * The maps pinned under --pin-path: the counters (kept across restarts),
 * what 'portsense top' reads besides them, and the requests and ring of
 * 'portsense capture'.  Detector state is not
 * pinned: it is rebuilt within a window.
 */
#define PS_PINNED_MAPS(X) X(ps_stats) X(ps_ifslot) X(ps_ifinfo) X(ps_global) X(ps_talkers) X(ps_recent) \
	X(ps_capreq) X(ps_capod) X(ps_hs)

#endif /* PS_NAMES_H */
