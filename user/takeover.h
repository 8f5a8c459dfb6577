/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * takeover.h - the programs an earlier instance of this pin path left on
 * the interfaces (a running one handing over to --replace, or one that is
 * gone): replaced by this run's atomically, hook by hook, so that no frame
 * passes uncounted; or removed where this run does not want them.
 *
 * A program is the pin path's when it is pinned there (each run pins its
 * programs, prog_NAME), or, where CAP_SYS_ADMIN lets us look a program up
 * by id (pins of a release before that), when it is portsense's by name
 * and uses a map pinned there.  The directory's lock or the handover says
 * its instance no longer counts.  Another instance's (another pin path)
 * and anybody else's programs are never touched.
 */
#ifndef PS_TAKEOVER_H
#define PS_TAKEOVER_H

#include <stdio.h>

#include "attach.h"

struct ps_owned {
	const __u32 *map_ids;		/* the maps of the pin path (ps_owned_of()) */
	int n;
	bool any;			/* any portsense program (detach IFACE... with nothing pinned) */
	const __u32 *prog_ids;		/* the programs pinned there ... */
	const int *prog_fds;		/* ... and an fd of each (an XDP replace needs one) */
	int n_progs;
	struct ps_prog_ids keep;	/* this run's own programs, never removed */
};

/*
 * Put this run's programs on @ifc as ps_attach() does, but where a program
 * of the pin path is on a hook, replace it in place: XDP with
 * XDP_FLAGS_REPLACE in the mode it has, a tcx link by updating its program
 * (the link and its pin stay), a clsact filter by tc's replace.  Then the
 * pin path's programs on hooks this run does not use (another hook, no
 * egress) are removed.  *@replaced: how many hooks were replaced.  0 or
 * -errno after a message; then what this run attached is detached, but
 * a hook it took over stays, for its earlier instance to take back.
 */
int ps_takeover(struct ps_iface *ifc, const struct ps_attach_opts *o, int xdp_fd, int tc_in_fd,
		int tc_out_fd, const struct ps_owned *ow, int *replaced);

/*
 * @ifc was attached by this run, and a successor that died half way may
 * have replaced some of its hooks, or removed them: ours put back there, in
 * place where there is a program.  Returns how many hooks were put back,
 * or -errno after a message.
 */
int ps_reclaim(struct ps_iface *ifc, const struct ps_attach_opts *o, int xdp_fd, int tc_in_fd,
	       int tc_out_fd, const struct ps_owned *ow);

/*
 * Remove the pin path's programs from @ifindex (XDP programs, clsact
 * filters, the tcx links pinned for it under @pin_path), except @ow->keep.
 * Each removal is reported on @log.  Returns how many were removed.
 */
int ps_detach_stale(int ifindex, const char *name, const struct ps_owned *ow,
		    const char *pin_path, FILE *log);

/* ps_detach_stale() on every interface of this network namespace. */
int ps_sweep(const struct ps_owned *ow, const char *pin_path, FILE *log);

#endif /* PS_TAKEOVER_H */
