// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ifaces.c - which interfaces an instance counts, and keeping that true
 * while links come and go.
 *
 * The netlink socket is opened before the interfaces are listed, so a link
 * created in between is reported rather than missed.  When the socket's
 * buffer overflows (ENOBUFS: a burst of link events), the present links
 * are listed again instead of trusting the partial stream.
 */
#include <errno.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ifaces.h"
#include "portsense.h"
#include "slots.h"

struct ps_ifset {
	struct ps_ifset_opts o;
	struct ps_iface *ifs;		/* attached, o.max_ifaces at most */
	int n;
	char **names;			/* exact names from the command line */
	int n_names;
	const struct ps_patterns *pats;
	int nl;				/* NETLINK_ROUTE, RTMGRP_LINK */
	/*
	 * Interfaces an attach failed on, so the next RTM_NEWLINK of the same
	 * link (one per flag change) does not retry and warn again.
	 */
	int failed[64];
	int n_failed;
	int changes;			/* attached or forgotten, for ps_ifset_poll() */
};

static bool wanted(const struct ps_ifset *s, const char *name)
{
	int i;

	for (i = 0; i < s->n_names; i++)
		if (!strcmp(s->names[i], name))
			return true;
	return ps_patterns_match(s->pats, name);
}

static struct ps_iface *find(struct ps_ifset *s, int ifindex)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->ifs[i].ifindex == ifindex)
			return &s->ifs[i];
	return NULL;
}

static bool failed_before(const struct ps_ifset *s, int ifindex)
{
	int i;

	for (i = 0; i < s->n_failed; i++)
		if (s->failed[i] == ifindex)
			return true;
	return false;
}

static void forget_failed(struct ps_ifset *s, int ifindex)
{
	int i;

	for (i = 0; i < s->n_failed; i++)
		if (s->failed[i] == ifindex)
			s->failed[i] = s->failed[--s->n_failed];
}

/* The attributes of one link message (RTM_NEWLINK) this file reads. */
struct link_msg {
	int ifindex;
	unsigned short type;		/* ARPHRD_* */
	const char *name;		/* NULL: none */
	const __u8 *mac;		/* 6 bytes, NULL: none (or not Ethernet's size) */
	int master;			/* its bridge, bond...: 0 when none */
	int link;			/* IFLA_LINK: the lower link, or a veth's peer */
	bool other_ns;			/* @link is in another namespace */
	const char *kind;		/* IFLA_INFO_KIND, NULL: none */
};

/* False when @h is too short to be a link message. */
static bool link_msg_parse(const struct nlmsghdr *h, struct link_msg *m)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct rtattr *rta, *in;
	int len, ilen;

	memset(m, 0, sizeof(*m));
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return false;
	m->ifindex = ifi->ifi_index;
	m->type = ifi->ifi_type;
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		switch (rta->rta_type) {
		case IFLA_IFNAME:
			if (RTA_PAYLOAD(rta) > 1 && strnlen(RTA_DATA(rta), RTA_PAYLOAD(rta)) < IF_NAMESIZE)
				m->name = RTA_DATA(rta);
			break;
		case IFLA_ADDRESS:
			if (RTA_PAYLOAD(rta) == 6)
				m->mac = RTA_DATA(rta);
			break;
		case IFLA_MASTER:
			if (RTA_PAYLOAD(rta) >= 4)
				m->master = *(const int *)RTA_DATA(rta);
			break;
		case IFLA_LINK:
			if (RTA_PAYLOAD(rta) >= 4)
				m->link = *(const int *)RTA_DATA(rta);
			break;
		case IFLA_LINK_NETNSID:
			m->other_ns = true;
			break;
		case IFLA_LINKINFO:
			ilen = RTA_PAYLOAD(rta);
			for (in = RTA_DATA(rta); RTA_OK(in, ilen); in = RTA_NEXT(in, ilen))
				if (in->rta_type == IFLA_INFO_KIND && RTA_PAYLOAD(in) > 1)
					m->kind = RTA_DATA(in);
			break;
		}
	}
	return true;
}

/* What netlink says of a link, for --mirror. */
struct link_facts {
	bool ether;
	__u8 mac[6];
	int master;			/* its bridge, bond...: 0 when none */
	char upper[IF_NAMESIZE];	/* a vlan, macvlan... on it: "" when none */
};

static void facts_of_msg(const struct link_msg *m, int ifindex, struct link_facts *f)
{
	if (m->ifindex == ifindex) {
		f->ether = m->mac && m->type == ARPHRD_ETHER;
		if (m->mac)
			memcpy(f->mac, m->mac, 6);
		f->master = m->master;
	/* A veth names its peer the same way: that is no upper link. */
	} else if (m->link == ifindex && !m->other_ns && m->name && !f->upper[0] &&
		   !(m->kind && !strncmp(m->kind, "veth", sizeof("veth")))) {
		snprintf(f->upper, sizeof(f->upper), "%s", m->name);
	}
}

/* One dump of the links: @ifindex's facts.  0 or -errno. */
static int link_facts(int ifindex, struct link_facts *f)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC },
	};
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct nlmsghdr *h;
	struct link_msg m;
	int fd, err = 0, k;
	bool done = false;
	ssize_t n;

	memset(f, 0, sizeof(*f));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) < 0)
		err = -errno;
	/* Bounded: a dump of thousands of links is a few hundred reads. */
	for (k = 0; !err && !done && k < 4096; k++) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			err = -errno;
			break;
		}
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = -EIO;
				break;
			}
			if (h->nlmsg_type == RTM_NEWLINK && link_msg_parse(h, &m))
				facts_of_msg(&m, ifindex, f);
		}
	}
	close(fd);
	return err ? err : done ? 0 : -EIO;
}

static void mirror_write(struct ps_ifset *s, int ifindex, const __u8 *mac)
{
	__u32 k = (__u32)ifindex & (PS_IFSLOT_SIZE - 1);
	struct ps_mirror m = { .ifindex = mac ? ifindex : 0 };

	if (mac)
		memcpy(m.mac, mac, 6);
	if (bpf_map_update_elem(s->o.mirror_fd, &k, &m, BPF_ANY))
		fprintf(stderr, "portsense: cannot update ps_mirror: %s\n", strerror(errno));
}

/*
 * --mirror for @ifc: only where the stack itself would discard a frame for
 * another MAC.  A bridge or bond port forwards such frames, a macvlan on
 * the link receives them under its own address.  0 or -errno after a message.
 */
static int mirror_start(struct ps_ifset *s, struct ps_iface *ifc)
{
	struct link_facts f;
	int err;

	if (s->o.mirror_fd < 0 || !ps_patterns_match(s->o.mirror, ifc->name))
		return 0;
	err = link_facts(ifc->ifindex, &f);
	if (err) {
		fprintf(stderr, "portsense: %s: cannot read the link (netlink): %s\n", ifc->name, strerror(-err));
		return err;
	}
	if (!f.ether || f.master || f.upper[0]) {
		char why[64];

		if (!f.ether)
			snprintf(why, sizeof(why), "it is not an Ethernet link");
		else if (f.master)
			snprintf(why, sizeof(why), "it is a port of interface index %d", f.master);
		else
			snprintf(why, sizeof(why), "%s is stacked on it", f.upper);
		fprintf(stderr, "portsense: %s: --mirror refused: %s, and frames for other addresses are not\n"
			"  the stack's to discard there\n  fix: leave it out of --mirror\n", ifc->name, why);
		return -EINVAL;
	}
	memcpy(ifc->mac, f.mac, 6);
	ifc->mirror = true;
	mirror_write(s, ifc->ifindex, ifc->mac);
	return 0;
}

/* A mirror port's link changed: follow its MAC; a new master ends the drops. */
static void mirror_follow(struct ps_ifset *s, struct ps_iface *ifc, const __u8 *mac, int master)
{
	if (!ifc->mirror)
		return;
	if (master) {
		ifc->mirror = false;
		mirror_write(s, ifc->ifindex, NULL);
		fprintf(stderr, "portsense: %s: now a port of interface index %d: frames for other hosts pass"
			" again (--mirror ends)\n", ifc->name, master);
	} else if (mac && memcmp(mac, ifc->mac, 6)) {
		memcpy(ifc->mac, mac, 6);
		mirror_write(s, ifc->ifindex, ifc->mac);
		fprintf(stderr, "portsense: %s: new MAC address %02x:%02x:%02x:%02x:%02x:%02x; --mirror follows\n",
			ifc->name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	}
}

/* Attach to one interface.  0 or -errno after a message. */
static int add(struct ps_ifset *s, const char *name, int ifindex)
{
	const struct ps_attach_opts *a = s->o.attach;
	struct ps_iface *ifc;
	int err, replaced = 0;

	if (s->n == (int)s->o.max_ifaces) {
		fprintf(stderr, "portsense: %s: not counted: already %d interfaces\n"
			"  fix: raise --max-interfaces\n", name, s->n);
		return -ENOSPC;
	}
	ifc = &s->ifs[s->n];
	memset(ifc, 0, sizeof(*ifc));
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->ifindex = ifindex;
	ifc->xdp_fd = -1;
	err = ps_slots_assign(s->o.slots, ifindex, name);
	if (!err)
		err = mirror_start(s, ifc);
	if (err)
		return err;
	/* Nothing counts into the slot now: what it holds is this run's zero. */
	err = ps_slots_begin(s->o.slots, ifindex);
	if (!err && s->o.owned)
		err = ps_takeover(ifc, a, s->o.xdp_fd, s->o.tc_in_fd, s->o.tc_out_fd, s->o.owned,
				  &replaced);
	else if (!err)
		err = ps_attach(ifc, a, s->o.xdp_fd, s->o.tc_in_fd, s->o.tc_out_fd);
	if (replaced)
		fprintf(stderr, "portsense: %s: took over from %s\n", name, s->o.live ?
			"the running instance, in place" : "an instance that died on these pins");
	ifc->replaced = replaced;
	if (s->o.took)
		*s->o.took += replaced;
	if (err) {
		ps_slots_end(s->o.slots, ifindex);
		if (ifc->mirror)
			mirror_write(s, ifindex, NULL);
		return err;
	}
	s->n++;
	fprintf(stderr, "portsense: %s: ingress %s %s, egress %s%s%s\n", ifc->name,
		a->hook == PS_HOOK_XDP ? "xdp" : "tc",
		a->hook == PS_HOOK_XDP ? ps_mode_name(ifc->xdp_flags) : ps_tc_mode_name(ifc, false),
		a->egress ? "tc " : "off", a->egress ? ps_tc_mode_name(ifc, true) : "",
		ifc->mirror ? "; mirror port: frames for other hosts dropped once counted" : "");
	s->changes++;
	return 0;
}

/* Netlink said a link appeared or changed (@mac NULL: not said). */
static void link_new(struct ps_ifset *s, const char *name, int ifindex, const __u8 *mac,
		     int master)
{
	struct ps_iface *ifc = find(s, ifindex);

	if (ifc) {
		/* Renamed: keep counting, under the name it has now. */
		if (strcmp(ifc->name, name)) {
			fprintf(stderr, "portsense: %s is now called %s\n", ifc->name, name);
			snprintf(ifc->name, sizeof(ifc->name), "%s", name);
			ps_slots_rename(s->o.slots, ifindex, name);
		}
		mirror_follow(s, ifc, mac, master);
		return;
	}
	if (!wanted(s, name) || failed_before(s, ifindex))
		return;
	if (add(s, name, ifindex) && s->n_failed < (int)(sizeof(s->failed) / sizeof(s->failed[0])))
		s->failed[s->n_failed++] = ifindex;
}

/* Netlink said a link is gone: its programs went with it. */
static void link_gone(struct ps_ifset *s, int ifindex)
{
	struct ps_iface *ifc = find(s, ifindex);

	forget_failed(s, ifindex);
	if (!ifc)
		return;
	fprintf(stderr, "portsense: %s: gone; forgotten\n", ifc->name);
	ps_release_links(ifc);
	ps_slots_free(s->o.slots, ifindex);
	if (ifc->mirror)
		mirror_write(s, ifindex, NULL);
	*ifc = s->ifs[--s->n];
	s->changes++;
}

/* After ENOBUFS: what exists now is the truth. */
static void resync(struct ps_ifset *s)
{
	struct if_nameindex *all = if_nameindex(), *it;
	int i;

	if (!all)
		return;
	for (i = s->n - 1; i >= 0; i--) {
		for (it = all; it->if_index; it++)
			if ((int)it->if_index == s->ifs[i].ifindex)
				break;
		if (!it->if_index)
			link_gone(s, s->ifs[i].ifindex);
	}
	for (it = all; it->if_index; it++)
		link_new(s, it->if_name, it->if_index, NULL, 0);
	if_freenameindex(all);
}

static void handle_msg(struct ps_ifset *s, const struct nlmsghdr *h)
{
	struct link_msg m;

	if (!link_msg_parse(h, &m))
		return;
	if (h->nlmsg_type == RTM_DELLINK)
		link_gone(s, m.ifindex);
	else if (h->nlmsg_type == RTM_NEWLINK && m.name)
		link_new(s, m.name, m.ifindex, m.mac, m.master);
}

int ps_ifset_poll(struct ps_ifset *s)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct nlmsghdr *h;
	ssize_t n;
	int k;

	s->changes = 0;
	/* Bounded: a link storm is handled over several ticks, never forever. */
	for (k = 0; k < 64; k++) {
		n = recv(s->nl, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS)
				resync(s);
			break;
		}
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
			handle_msg(s, h);
	}
	return s->changes;
}

int ps_ifset_list(const struct ps_ifset *s, const struct ps_iface **ifs)
{
	*ifs = s->ifs;
	return s->n;
}

static int open_netlink(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd, sz = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* Room for a burst of veths (each is a few messages of ~1 KiB). */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * DETACH: everything; LEAVE: nothing (a successor takes over); UNDO (a
 * start that failed): what it attached, but not what it took over in
 * place, which an earlier instance can take back without a gap.
 */
enum ps_free { DETACH, LEAVE, UNDO };

static void ifset_free(struct ps_ifset *s, enum ps_free how)
{
	int i;

	if (!s)
		return;
	for (i = s->n - 1; i >= 0; i--) {
		if (how == DETACH || (how == UNDO && !s->ifs[i].replaced))
			ps_detach(&s->ifs[i]);
		else
			ps_iface_leave(&s->ifs[i]);
	}
	if (s->nl >= 0)
		close(s->nl);
	free(s->ifs);
	free(s);
}

struct ps_ifset *ps_ifset_start(const struct ps_ifset_opts *o, char **names, int n_names,
				const struct ps_patterns *pats)
{
	struct if_nameindex *all = NULL, *it;
	struct ps_ifset *s;
	int i, err = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->o = *o;
	s->names = names;
	s->n_names = n_names;
	s->pats = pats;
	s->ifs = calloc(o->max_ifaces, sizeof(*s->ifs));
	s->nl = open_netlink();
	if (!s->ifs || s->nl < 0) {
		err = s->nl < 0 ? s->nl : -ENOMEM;
		fprintf(stderr, "portsense: cannot watch interfaces (netlink): %s\n", strerror(-err));
		goto fail;
	}
	/* Named ones first, in order, and each must work. */
	for (i = 0; i < n_names; i++) {
		int ifindex = if_nametoindex(names[i]);

		if (!ifindex) {
			fprintf(stderr, "portsense: no such interface: %s (see 'ip -br link')\n", names[i]);
			err = -ENODEV;
			goto fail;
		}
		err = add(s, names[i], ifindex);
		if (err)
			goto fail;
	}
	if (pats->n) {
		all = if_nameindex();
		for (it = all; it && it->if_index; it++)
			link_new(s, it->if_name, it->if_index, NULL, 0);
		if_freenameindex(all);
		if (!s->n)
			fprintf(stderr, "portsense: no interface matches --interfaces yet; waiting for one\n");
	}
	return s;
fail:
	ifset_free(s, UNDO);
	errno = -err;
	return NULL;
}

void ps_ifset_stop(struct ps_ifset *s)
{
	ifset_free(s, DETACH);
}

void ps_ifset_leave(struct ps_ifset *s)
{
	ifset_free(s, LEAVE);
}

int ps_ifset_reclaim(struct ps_ifset *s, const struct ps_owned *owned)
{
	int i, r, n = 0;

	for (i = 0; i < s->n; i++) {
		r = ps_reclaim(&s->ifs[i], s->o.attach, s->o.xdp_fd, s->o.tc_in_fd, s->o.tc_out_fd,
			       owned);
		n += r > 0 ? r : 0;
	}
	return n;
}
