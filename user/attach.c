// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * attach.c - puts the programs on one interface (XDP, tcx links or a clsact
 * filter) and takes them off, never touching another's (attach.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "names.h"

/* A tc program of portsense's (a dead instance's, when found by detach). */
static bool ours_tc(const char *name)
{
	return !strcmp(name, PS_PROG_NAME(ps_tc_in)) || !strcmp(name, PS_PROG_NAME(ps_tc_out));
}

const char *ps_mode_name(__u32 xdp_flags)
{
	if (xdp_flags & XDP_FLAGS_DRV_MODE)
		return "native";
	if (xdp_flags & XDP_FLAGS_SKB_MODE)
		return "skb";
	return "tc";
}

int ps_prog_info(__u32 id, char *name, size_t len, const __u32 *map_ids, int n_ids,
		 bool *uses_map)
{
	struct bpf_prog_info info = {};
	/* The programs use some thirty maps: the kernel lists them all. */
	__u32 info_len = sizeof(info), maps[256], i;
	int fd, err, j;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	info.nr_map_ids = sizeof(maps) / sizeof(maps[0]);
	info.map_ids = (__u64)(unsigned long)maps;
	err = bpf_obj_get_info_by_fd(fd, &info, &info_len);
	if (!err) {
		snprintf(name, len, "%s", info.name);
		*uses_map = !n_ids;
		for (i = 0; i < info.nr_map_ids && i < sizeof(maps) / sizeof(maps[0]); i++)
			for (j = 0; j < n_ids; j++)
				if (maps[i] == map_ids[j])
					*uses_map = true;
	}
	close(fd);
	return err ? -errno : 0;
}

int ps_prog_fd_name(int fd, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	snprintf(name, len, "%s", info.name);
	return 0;
}

static int prog_name(__u32 id, char *name, size_t len)
{
	bool any;

	return ps_prog_info(id, name, len, NULL, 0, &any);
}

/* The XDP program on @ifindex in any mode (there can be one per mode). */
static __u32 xdp_present(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	return q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id :
	       q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
}

int ps_xdp_detach_prog(int ifindex, __u32 mode, int fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = fd);

	return bpf_xdp_attach(ifindex, -1, mode | XDP_FLAGS_REPLACE, &o);
}

int ps_attach_xdp(struct ps_iface *ifc, const struct ps_attach_opts *o, int fd)
{
	__u32 id = xdp_present(ifc->ifindex);
	__u32 flags;
	char name[BPF_OBJ_NAME_LEN] = "?";
	int err;

	if (id) {
		prog_name(id, name, sizeof(name));
		fprintf(stderr,
			"portsense: %s already has an XDP program (id %u, name %s); portsense does not replace it.\n"
			"  fix: use --hook tc, or remove it (ip link set dev %s xdp off)%s\n",
			ifc->name, id, name, ifc->name,
			strcmp(name, PS_PROG_NAME(ps_xdp)) ? "" :
			", or run 'portsense detach' if no portsense is running");
		return -EEXIST;
	}
	/* UPDATE_IF_NOEXIST: never replace a program that raced in. */
	flags = XDP_FLAGS_UPDATE_IF_NOEXIST;
	flags |= o->mode == PS_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	err = bpf_xdp_attach(ifc->ifindex, fd, flags, NULL);
	if (err && o->mode == PS_MODE_AUTO && err != -EBUSY && err != -EEXIST) {
		fprintf(stderr,
			"portsense: warning: native XDP unavailable on %s (%s); using skb mode\n",
			ifc->name, strerror(-err));
		flags = XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_SKB_MODE;
		err = bpf_xdp_attach(ifc->ifindex, fd, flags, NULL);
	}
	if (err) {
		fprintf(stderr, "portsense: cannot attach XDP (%s mode) to %s: %s\n%s",
			ps_mode_name(flags), ifc->name, strerror(-err),
			err == -EBUSY || err == -EEXIST ?
			"  another program was attached meanwhile; use --hook tc\n" :
			err == -ERANGE || err == -EINVAL ?
			"  the MTU may be too large for this driver's XDP; try --mode skb or --hook tc\n" :
			"  try --mode skb, or --hook tc\n");
		return err == -EBUSY ? -EEXIST : err;
	}
	ifc->xdp_flags = flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST;
	ifc->xdp_fd = fd;
	return 0;
}

/*
 * enum bpf_attach_type's tcx values (Linux 6.6), which this system's UAPI
 * headers (6.1) predate.  An older kernel refuses them with EINVAL.
 */
#define PS_BPF_TCX_INGRESS 46
#define PS_BPF_TCX_EGRESS  47

int ps_tcx_type(enum bpf_tc_attach_point where)
{
	return where == BPF_TC_INGRESS ? PS_BPF_TCX_INGRESS : PS_BPF_TCX_EGRESS;
}

const char *ps_tc_side(enum bpf_tc_attach_point where)
{
	return where == BPF_TC_INGRESS ? "ingress" : "egress";
}

void ps_link_pin(char *path, size_t len, const char *dir, int ifindex,
		 enum bpf_tc_attach_point where)
{
	snprintf(path, len, "%s/" PS_TCX_PIN_PREFIX "%s_%d", dir,
		 where == BPF_TC_INGRESS ? "in" : "out", ifindex);
}

/*
 * Whether @prog_id (0: any portsense tc program, ps_tc_*) is in the tcx
 * chain of @ifindex on @where.  False where the kernel has no tcx.
 */
static bool tcx_has(int ifindex, enum bpf_tc_attach_point where, __u32 prog_id)
{
	__u32 ids[64], i;
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids,
		    .prog_cnt = sizeof(ids) / sizeof(ids[0]));
	char name[BPF_OBJ_NAME_LEN];

	if (bpf_prog_query_opts(ifindex, ps_tcx_type(where), &q))
		return false;
	for (i = 0; i < q.prog_cnt && i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (prog_id ? ids[i] == prog_id :
		    !prog_name(ids[i], name, sizeof(name)) && ours_tc(name))
			return true;
	}
	return false;
}

__u32 ps_clsact_prog(int ifindex, enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PS_TC_HANDLE, .priority = PS_TC_PRIO);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

static int attach_clsact(struct ps_iface *ifc, enum bpf_tc_attach_point where, int fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifc->ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PS_TC_HANDLE,
		    .priority = PS_TC_PRIO, .prog_fd = fd);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "portsense: cannot add clsact qdisc to %s: %s\n",
			ifc->name, strerror(-err));
		return err;
	}
	hook.attach_point = where;
	/* No BPF_TC_F_REPLACE: an existing filter of ours means a live twin. */
	err = bpf_tc_attach(&hook, &opts);
	if (err && err != -EEXIST)
		fprintf(stderr, "portsense: cannot attach tc %s program to %s: %s\n",
			ps_tc_side(where), ifc->name, strerror(-err));
	return err;
}

int ps_attach_tc(struct ps_iface *ifc, const struct ps_attach_opts *o,
		 enum bpf_tc_attach_point where, int fd)
{
	bool *done = where == BPF_TC_INGRESS ? &ifc->tc_in : &ifc->tc_out;
	int *link = where == BPF_TC_INGRESS ? &ifc->tc_in_link : &ifc->tc_out_link;
	int err;

	/* A portsense program already there, either way, is a live twin's. */
	if (tcx_has(ifc->ifindex, where, 0) || ps_clsact_prog(ifc->ifindex, where)) {
		fprintf(stderr,
			"portsense: %s already has a portsense tc program (%s)\n"
			"  fix: stop the other portsense, or run 'portsense detach %s' if none is running\n",
			ifc->name, ps_tc_side(where), ifc->name);
		return -EEXIST;
	}
	if (o->tc != PS_TC_CLSACT) {
		err = bpf_link_create(fd, ifc->ifindex, ps_tcx_type(where), NULL);
		if (err >= 0) {
			char path[4096];

			*link = err;
			*done = true;
			if (!o->pin_path)
				return 0;
			ps_link_pin(path, sizeof(path), o->pin_path, ifc->ifindex, where);
			err = bpf_obj_pin(*link, path);
			if (err)
				fprintf(stderr, "portsense: warning: cannot pin the tc %s link of %s at %s (%s):"
					" it will not outlive a crash\n", ps_tc_side(where), ifc->name, path,
					strerror(-err));
			return 0;
		}
		if (o->tc == PS_TC_TCX || err != -EINVAL) {
			fprintf(stderr, "portsense: cannot attach tc %s program to %s as a tcx link: %s\n%s",
				ps_tc_side(where), ifc->name, strerror(-err),
				err == -EINVAL ? "  this kernel has no tcx (Linux 6.6+); use --tc-attach clsact\n" : "");
			return err;
		}
		/* Before Linux 6.6: the clsact qdisc it is. */
	}
	err = attach_clsact(ifc, where, fd);
	if (err == -EEXIST)	/* raced in since the check above */
		fprintf(stderr, "portsense: %s already has a portsense tc program (%s)\n",
			ifc->name, ps_tc_side(where));
	if (err)
		return err;
	*done = true;
	return 0;
}

int ps_attach(struct ps_iface *ifc, const struct ps_attach_opts *o,
	      int xdp_fd, int tc_in_fd, int tc_out_fd)
{
	int err;

	ifc->xdp_fd = ifc->tc_in_link = ifc->tc_out_link = -1;
	ifc->pin_path = o->pin_path;
	if (o->hook == PS_HOOK_XDP)
		err = ps_attach_xdp(ifc, o, xdp_fd);
	else
		err = ps_attach_tc(ifc, o, BPF_TC_INGRESS, tc_in_fd);
	if (!err && o->egress)
		err = ps_attach_tc(ifc, o, BPF_TC_EGRESS, tc_out_fd);
	if (err)
		ps_detach(ifc);
	return err;
}

/*
 * A tcx link detaches when its pin and its last fd are gone.  False when
 * @ifc's program on @where is not a link (a clsact filter).
 */
static bool release_link(struct ps_iface *ifc, enum bpf_tc_attach_point where)
{
	int *link = where == BPF_TC_INGRESS ? &ifc->tc_in_link : &ifc->tc_out_link;
	char path[4096];

	if (*link < 0)
		return false;
	if (ifc->pin_path) {
		ps_link_pin(path, sizeof(path), ifc->pin_path, ifc->ifindex, where);
		unlink(path);
	}
	close(*link);
	*link = -1;
	return true;
}

static void detach_tc(struct ps_iface *ifc, enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifc->ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PS_TC_HANDLE,
		    .priority = PS_TC_PRIO);

	if (!release_link(ifc, where))
		bpf_tc_detach(&hook, &opts);
}

void ps_detach(struct ps_iface *ifc)
{
	if (ifc->tc_out)
		detach_tc(ifc, BPF_TC_EGRESS);
	if (ifc->tc_in)
		detach_tc(ifc, BPF_TC_INGRESS);
	ifc->tc_in = ifc->tc_out = false;
	if (ifc->xdp_fd >= 0) {
		ps_xdp_detach_prog(ifc->ifindex, ifc->xdp_flags, ifc->xdp_fd);
		ifc->xdp_fd = -1;
	}
}

void ps_iface_leave(struct ps_iface *ifc)
{
	if (ifc->tc_in_link >= 0)
		close(ifc->tc_in_link);
	if (ifc->tc_out_link >= 0)
		close(ifc->tc_out_link);
	ifc->tc_in_link = ifc->tc_out_link = -1;
	ifc->tc_in = ifc->tc_out = false;
	ifc->xdp_fd = -1;
}

void ps_release_links(struct ps_iface *ifc)
{
	if (ifc->tc_out && release_link(ifc, BPF_TC_EGRESS))
		ifc->tc_out = false;
	if (ifc->tc_in && release_link(ifc, BPF_TC_INGRESS))
		ifc->tc_in = false;
}

static bool tc_attached(const struct ps_iface *ifc, bool egress, __u32 prog_id)
{
	enum bpf_tc_attach_point where = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;

	if (!prog_id)
		return false;
	if ((egress ? ifc->tc_out_link : ifc->tc_in_link) >= 0)
		return tcx_has(ifc->ifindex, where, prog_id);
	return ps_clsact_prog(ifc->ifindex, where) == prog_id;
}

void ps_attach_check(const struct ps_iface *ifc, const struct ps_prog_ids *ids,
		     bool *xdp, bool *tc_in, bool *tc_out)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	*xdp = false;
	if (ifc->xdp_fd >= 0 && ids->xdp && !bpf_xdp_query(ifc->ifindex, 0, &q))
		*xdp = (ifc->xdp_flags & XDP_FLAGS_SKB_MODE ? q.skb_prog_id : q.drv_prog_id) ==
		       ids->xdp;
	*tc_in = ifc->tc_in && tc_attached(ifc, false, ids->tc_in);
	*tc_out = ifc->tc_out && tc_attached(ifc, true, ids->tc_out);
}

const char *ps_tc_mode_name(const struct ps_iface *ifc, bool egress)
{
	return (egress ? ifc->tc_out_link : ifc->tc_in_link) >= 0 ? "tcx" : "clsact";
}
