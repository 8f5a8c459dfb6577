// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * takeover.c - replaces, hook by hook and in place, the programs an earlier
 * instance of this pin path left on an interface, or removes them
 * (takeover.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>

#include "names.h"
#include "takeover.h"

static bool kept(__u32 id, const struct ps_owned *ow)
{
	return id && (id == ow->keep.xdp || id == ow->keep.tc_in || id == ow->keep.tc_out);
}

/* The index of program @id among the pinned ones, or -1. */
static int pinned(__u32 id, const struct ps_owned *ow)
{
	int i;

	for (i = 0; i < ow->n_progs; i++)
		if (ow->prog_ids[i] == id)
			return i;
	return -1;
}

/* Program @id is the pin path's @want (a program name), and not this run's. */
static bool path_prog(__u32 id, const char *want, const struct ps_owned *ow)
{
	char name[BPF_OBJ_NAME_LEN];
	bool uses = false;
	int i = pinned(id, ow);

	if (!id || kept(id, ow))
		return false;
	/* Looking a program up by id takes CAP_SYS_ADMIN: the pinned ones need not. */
	if (i >= 0)
		return !ps_prog_fd_name(ow->prog_fds[i], name, sizeof(name)) && !strcmp(name, want);
	return (ow->n || ow->any) &&
	       !ps_prog_info(id, name, sizeof(name), ow->map_ids, ow->n, &uses) && uses &&
	       !strcmp(name, want);
}

/* An fd of program @id (pinned, else by id): *@own when the caller closes it. */
static int prog_fd(__u32 id, const struct ps_owned *ow, bool *own)
{
	int i = pinned(id, ow);

	*own = i < 0;
	return i >= 0 ? ow->prog_fds[i] : bpf_prog_get_fd_by_id(id);
}

static const char *tc_name(enum bpf_tc_attach_point where)
{
	return where == BPF_TC_INGRESS ? PS_PROG_NAME(ps_tc_in) : PS_PROG_NAME(ps_tc_out);
}

/* 1: replaced, 0: no program of the pin path there, or -errno after a message. */
static int replace_xdp(struct ps_iface *ifc, int fd, const struct ps_owned *ow)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 modes[2] = { XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE }, ids[2];
	int i, old, err;
	bool own;

	if (bpf_xdp_query(ifc->ifindex, 0, &q))
		return 0;
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, a);

		if (!path_prog(ids[i], PS_PROG_NAME(ps_xdp), ow))
			continue;
		old = prog_fd(ids[i], ow, &own);
		if (old < 0)
			continue;	/* gone meanwhile */
		a.old_prog_fd = old;
		/* In the mode it has: a replace cannot change modes. */
		err = bpf_xdp_attach(ifc->ifindex, fd, modes[i] | XDP_FLAGS_REPLACE, &a);
		if (own)
			close(old);
		if (err) {
			fprintf(stderr, "portsense: %s: cannot replace XDP program %u: %s\n", ifc->name,
				ids[i], strerror(-err));
			return err;
		}
		ifc->xdp_fd = fd;
		ifc->xdp_flags = modes[i];
		return 1;
	}
	return 0;
}

/* A tcx link of the pin path's on @where: the same link, our program. */
static int replace_tcx(struct ps_iface *ifc, const struct ps_attach_opts *o,
		       enum bpf_tc_attach_point where, int fd, const struct ps_owned *ow)
{
	int *link = where == BPF_TC_INGRESS ? &ifc->tc_in_link : &ifc->tc_out_link;
	LIBBPF_OPTS(bpf_link_update_opts, u, .flags = BPF_F_REPLACE);
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[4096];
	int lfd = *link, err = 0, old;
	bool own;

	if (lfd < 0 && o->pin_path) {
		ps_link_pin(path, sizeof(path), o->pin_path, ifc->ifindex, where);
		lfd = bpf_obj_get(path);
	}
	if (lfd < 0)
		return 0;
	/* Our own link (a reclaim) takes ours back whatever a successor put on it. */
	if (bpf_obj_get_info_by_fd(lfd, &info, &len) || kept(info.prog_id, ow) ||
	    (lfd != *link && !path_prog(info.prog_id, tc_name(where), ow)))
		goto none;
	old = prog_fd(info.prog_id, ow, &own);
	if (old < 0)
		goto none;
	u.old_prog_fd = old;
	err = bpf_link_update(lfd, fd, &u);
	if (own)
		close(old);
	if (err) {
		fprintf(stderr, "portsense: %s: cannot replace the program of the tc %s link: %s\n",
			ifc->name, ps_tc_side(where), strerror(-err));
		goto none;
	}
	*link = lfd;
	*(where == BPF_TC_INGRESS ? &ifc->tc_in : &ifc->tc_out) = true;
	return 1;
none:
	if (lfd != *link)
		close(lfd);
	return err;
}

static int replace_clsact(struct ps_iface *ifc, enum bpf_tc_attach_point where, int fd,
			  const struct ps_owned *ow)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifc->ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PS_TC_HANDLE, .priority = PS_TC_PRIO,
		    .prog_fd = fd, .flags = BPF_TC_F_REPLACE);
	__u32 id = ps_clsact_prog(ifc->ifindex, where);
	int err;

	if (!path_prog(id, tc_name(where), ow))
		return 0;
	/* The same handle and priority: tc swaps the filter's program in place. */
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		fprintf(stderr, "portsense: %s: cannot replace the tc %s filter: %s\n", ifc->name,
			ps_tc_side(where), strerror(-err));
		return err;
	}
	*(where == BPF_TC_INGRESS ? &ifc->tc_in : &ifc->tc_out) = true;
	return 1;
}

static int replace_tc(struct ps_iface *ifc, const struct ps_attach_opts *o,
		      enum bpf_tc_attach_point where, int fd, const struct ps_owned *ow)
{
	return replace_tcx(ifc, o, where, fd, ow) ?: replace_clsact(ifc, where, fd, ow);
}

/* One hook: replaced (1), else attached as new (0), or -errno. */
static int hook(struct ps_iface *ifc, const struct ps_attach_opts *o, bool xdp,
		enum bpf_tc_attach_point where, int fd, const struct ps_owned *ow)
{
	int r = xdp ? replace_xdp(ifc, fd, ow) : replace_tc(ifc, o, where, fd, ow);

	if (r)
		return r;
	return xdp ? ps_attach_xdp(ifc, o, fd) : ps_attach_tc(ifc, o, where, fd);
}

int ps_takeover(struct ps_iface *ifc, const struct ps_attach_opts *o, int xdp_fd, int tc_in_fd,
		int tc_out_fd, const struct ps_owned *ow, int *replaced)
{
	int r;

	*replaced = 0;
	ifc->xdp_fd = ifc->tc_in_link = ifc->tc_out_link = -1;
	ifc->pin_path = o->pin_path;
	r = hook(ifc, o, o->hook == PS_HOOK_XDP, BPF_TC_INGRESS,
		 o->hook == PS_HOOK_XDP ? xdp_fd : tc_in_fd, ow);
	if (r >= 0) {
		*replaced += r;
		r = o->egress ? hook(ifc, o, false, BPF_TC_EGRESS, tc_out_fd, ow) : 0;
	}
	if (r < 0) {
		/* What was taken over stays: its earlier instance can take it back in place. */
		if (*replaced)
			ps_iface_leave(ifc);
		else
			ps_detach(ifc);
		return r;
	}
	*replaced += r;
	/* A hook this run does not use (another ingress hook, no egress): theirs would go on. */
	ps_detach_stale(ifc->ifindex, ifc->name, ow, o->pin_path, stderr);
	return 0;
}

/* One hook of ours that is not there now: replaced back, or attached again when empty. */
static int reclaim_hook(struct ps_iface *ifc, const struct ps_attach_opts *o, bool xdp,
			enum bpf_tc_attach_point where, int fd, const struct ps_owned *ow)
{
	int r = xdp ? replace_xdp(ifc, fd, ow) : replace_tc(ifc, o, where, fd, ow);

	if (r)
		return r;
	r = xdp ? ps_attach_xdp(ifc, o, fd) : ps_attach_tc(ifc, o, where, fd);
	return r ? r : 1;
}

int ps_reclaim(struct ps_iface *ifc, const struct ps_attach_opts *o, int xdp_fd, int tc_in_fd,
	       int tc_out_fd, const struct ps_owned *ow)
{
	bool xdp, in, out;
	int n = 0, r = 0;

	ps_attach_check(ifc, &ow->keep, &xdp, &in, &out);
	if (ifc->xdp_fd >= 0 && !xdp)
		r = reclaim_hook(ifc, o, true, BPF_TC_INGRESS, xdp_fd, ow);
	n += r > 0;
	if (r >= 0 && ifc->tc_in && !in)
		r = reclaim_hook(ifc, o, false, BPF_TC_INGRESS, tc_in_fd, ow);
	n += r > 0;
	if (r >= 0 && ifc->tc_out && !out)
		r = reclaim_hook(ifc, o, false, BPF_TC_EGRESS, tc_out_fd, ow);
	n += r > 0;
	return r < 0 ? r : n;
}

/* The pin path's pinned tcx link on @ifindex at @where: unpinned, it goes. */
static int unpin_stale_link(int ifindex, const char *ifname, const struct ps_owned *ow,
			    const char *dir, enum bpf_tc_attach_point where, FILE *log)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[4096];
	bool ours;
	int fd;

	ps_link_pin(path, sizeof(path), dir, ifindex, where);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) && path_prog(info.prog_id, tc_name(where), ow) &&
	       !unlink(path);
	if (ours)
		fprintf(log, "%s: removed tc %s link\n", ifname, ps_tc_side(where));
	close(fd);	/* the last reference: the link detaches */
	return ours;
}

int ps_detach_stale(int ifindex, const char *ifname, const struct ps_owned *ow,
		    const char *pin_path, FILE *log)
{
	static const enum bpf_tc_attach_point points[] = {
		BPF_TC_INGRESS, BPF_TC_EGRESS,
	};
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int removed = 0;
	size_t i;

	if (!bpf_xdp_query(ifindex, 0, &q) && path_prog(q.prog_id, PS_PROG_NAME(ps_xdp), ow)) {
		__u32 mode = q.attach_mode == XDP_ATTACHED_SKB ?
			     XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
		bool own;
		int fd = prog_fd(q.prog_id, ow, &own);

		if (fd >= 0 && !ps_xdp_detach_prog(ifindex, mode, fd)) {
			fprintf(log, "%s: removed XDP program %u (%s mode)\n", ifname,
			       q.prog_id, ps_mode_name(mode));
			removed++;
		}
		if (fd >= 0 && own)
			close(fd);
	}
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = points[i]);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PS_TC_HANDLE,
			    .priority = PS_TC_PRIO);

		if (pin_path)
			removed += unpin_stale_link(ifindex, ifname, ow, pin_path, points[i], log);
		if (bpf_tc_query(&hook, &opts) || !path_prog(opts.prog_id, tc_name(points[i]), ow))
			continue;
		/* bpf_tc_detach() wants only handle and priority set. */
		opts.prog_id = 0;
		opts.prog_fd = 0;
		opts.flags = 0;
		if (!bpf_tc_detach(&hook, &opts)) {
			fprintf(log, "%s: removed tc %s filter\n", ifname, ps_tc_side(points[i]));
			removed++;
		}
	}
	return removed;
}

int ps_sweep(const struct ps_owned *ow, const char *pin_path, FILE *log)
{
	struct if_nameindex *all = if_nameindex(), *it;
	int removed = 0;

	for (it = all; it && it->if_index; it++)
		removed += ps_detach_stale(it->if_index, it->if_name, ow, pin_path, log);
	if_freenameindex(all);
	return removed;
}
