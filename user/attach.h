/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * attach.h - put the programs on an interface and take them off again.
 *
 * Ingress: XDP (native or skb mode) or tc; egress: always tc.  portsense
 * never replaces a program somebody else attached: it refuses instead.
 */
#ifndef PS_ATTACH_H
#define PS_ATTACH_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>
#include <bpf/libbpf.h>

enum ps_hook { PS_HOOK_XDP, PS_HOOK_TC };
enum ps_xdp_mode { PS_MODE_AUTO, PS_MODE_NATIVE, PS_MODE_SKB };

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
};

struct ps_attach_opts {
	enum ps_hook hook;
	enum ps_xdp_mode mode;
	bool egress;
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

/*
 * Remove portsense programs an instance that is gone (SIGKILL, OOM) left on
 * @ifindex: XDP programs named ps_xdp and our tc filters.  With @map_id,
 * only programs using that map (the stale instance's pinned ps_stats), so
 * an instance running with another pin path is left alone.  Each removal
 * is reported on @log.  Returns how many were removed.
 */
int ps_detach_stale(int ifindex, const char *name, __u32 map_id, FILE *log);

const char *ps_mode_name(__u32 xdp_flags);

#endif /* PS_ATTACH_H */
