/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * attach.h - put the programs on an interface and take them off again.
 *
 * Ingress: XDP (native or skb mode) or tc; egress: always tc.  portsense
 * never replaces a program somebody else attached: it refuses instead.
 *
 * tc programs go on as tcx links where the kernel has them (Linux 6.6+):
 * a link sets up only its own hook, and is pinned so it outlives a crash
 * as an XDP program does.  A clsact qdisc, the older way, also sets up the
 * device's ingress tc hook, which every received frame then passes
 * through, filter or not, and stays after we leave (docs/performance.md
 * measures it).
 */
#ifndef PS_ATTACH_H
#define PS_ATTACH_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>
#include <bpf/libbpf.h>

enum ps_hook { PS_HOOK_XDP, PS_HOOK_TC };
enum ps_xdp_mode { PS_MODE_AUTO, PS_MODE_NATIVE, PS_MODE_SKB };
/* How tc programs are attached: auto is tcx, else clsact (pre-6.6 kernels). */
enum ps_tc_attach { PS_TC_AUTO, PS_TC_TCX, PS_TC_CLSACT };

/* A tcx link's pin under the pin path: PREFIX "in_" or "out_" IFINDEX. */
#define PS_TCX_PIN_PREFIX "tcx_"

/* Our tc filter's identity, so detach finds exactly it. */
#define PS_TC_HANDLE 0x5053	/* "PS" */
#define PS_TC_PRIO   1		/* first, so others' verdicts cannot hide packets */

struct ps_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	/* What this instance attached, undone by ps_detach(). */
	__u32 xdp_flags;	/* XDP_FLAGS_* mode used */
	int xdp_fd;		/* our program, -1 if no XDP */
	bool tc_in;
	bool tc_out;
	int tc_in_link;		/* tcx link fd, or -1: a clsact filter */
	int tc_out_link;
	const char *pin_path;	/* where the tcx links are pinned, or NULL */
	bool mirror;		/* --mirror: in ps_mirror with @mac */
	__u8 mac[6];
	int replaced;		/* hooks taken over in place from an earlier instance */
};

struct ps_attach_opts {
	enum ps_hook hook;
	enum ps_xdp_mode mode;
	bool egress;
	enum ps_tc_attach tc;
	/*
	 * tcx links are pinned here (tcx_in_IFINDEX, tcx_out_IFINDEX: bpffs
	 * refuses dots) so that, like an XDP program, they outlive a crash
	 * and go on counting until a restart takes them over.  NULL: not
	 * pinned.
	 */
	const char *pin_path;
};

/*
 * Attach to @ifc: returns 0, -EEXIST when the interface already carries a
 * program we must not replace (message printed), or another -errno.
 * On failure nothing stays attached.
 */
int ps_attach(struct ps_iface *ifc, const struct ps_attach_opts *o,
	      int xdp_fd, int tc_in_fd, int tc_out_fd);

/*
 * Undo what ps_attach() did on @ifc, removing only our own programs; safe
 * to call twice.  A clsact qdisc we added stays: removing it would also
 * remove filters other tools added to it meanwhile.
 */
void ps_detach(struct ps_iface *ifc);

/* @ifc's device is gone: release its tcx links and their pins. */
void ps_release_links(struct ps_iface *ifc);

/*
 * Close what @ifc holds but leave its programs attached and its tcx links
 * pinned, for a successor to take over (takeover.h).
 */
void ps_iface_leave(struct ps_iface *ifc);

/* An instance's program ids, to tell its attachments from others'. */
struct ps_prog_ids {
	__u32 xdp, tc_in, tc_out;
};

/*
 * Is what ps_attach() put on @ifc still there, hook by hook, as the kernel
 * reports it now?  For the metrics and the health check.
 */
void ps_attach_check(const struct ps_iface *ifc, const struct ps_prog_ids *ids,
		     bool *xdp, bool *tc_in, bool *tc_out);

/* "tcx" or "clsact": how @ifc's tc program on that side is attached. */
const char *ps_tc_mode_name(const struct ps_iface *ifc, bool egress);

/*
 * One hook at a time, for takeover.c, which replaces an earlier instance's
 * programs: ps_attach() is these.  The tc one sets @ifc's tc_in or tc_out
 * and its link; both refuse a program that is not ours, as ps_attach().
 */
int ps_attach_xdp(struct ps_iface *ifc, const struct ps_attach_opts *o, int fd);
int ps_attach_tc(struct ps_iface *ifc, const struct ps_attach_opts *o,
		 enum bpf_tc_attach_point where, int fd);

/*
 * Name of program @id, and whether it uses one of the maps @map_ids (none
 * given: true).  0, or -errno when the program is gone.
 */
int ps_prog_info(__u32 id, char *name, size_t len, const __u32 *map_ids, int n_ids,
		 bool *uses_map);

/* Name of the program @fd.  0 or -errno. */
int ps_prog_fd_name(int fd, char *name, size_t len);

/*
 * Remove the XDP program @fd from @ifindex in @mode, and only it: with
 * XDP_FLAGS_REPLACE the kernel refuses if another program is there now.
 */
int ps_xdp_detach_prog(int ifindex, __u32 mode, int fd);

/* Our clsact filter's program on @ifindex at @where, or 0. */
__u32 ps_clsact_prog(int ifindex, enum bpf_tc_attach_point where);

/* The pin of @ifindex's tcx link on @where under @dir. */
void ps_link_pin(char *path, size_t len, const char *dir, int ifindex,
		 enum bpf_tc_attach_point where);

int ps_tcx_type(enum bpf_tc_attach_point where);
const char *ps_tc_side(enum bpf_tc_attach_point where);

const char *ps_mode_name(__u32 xdp_flags);

#endif /* PS_ATTACH_H */
