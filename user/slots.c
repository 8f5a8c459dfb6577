// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * slots.c - counter slots and the identity of the interface each one
 * counts (slots.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "handshakes.h"
#include "host.h"
#include "slots.h"
#include "snapshot.h"

struct ps_slots {
	int ifslot_fd, ifinfo_fd, stats_fd;
	unsigned int max;		/* slots 1..max */
	__u64 netns;			/* ours */
	int ncpu;
	struct ps_counters *percpu;	/* one value of ps_stats, scratch */
	struct ps_slot_base *base;	/* by slot */
	bool *begun;			/* by slot: base is this run's */
	int hs_fd;			/* ps_hs, -1: none */
	__u16 svc_ports[PS_HS_SVC_PORTS];
};

static __u64 realtime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (__u64)t.tv_sec * 1000000000 + t.tv_nsec;
}

static __u32 entry_of(int ifindex)
{
	return (__u32)ifindex & (PS_IFSLOT_SIZE - 1);
}

static bool same_interface(const struct ps_slots *s, const struct ps_ifinfo *i, int ifindex,
			   const char *name)
{
	return i->netns == s->netns && i->ifindex == (__u32)ifindex && !strcmp(i->name, name);
}

static int set_info(struct ps_slots *s, __u32 slot, const struct ps_ifinfo *i)
{
	return bpf_map_update_elem(s->ifinfo_fd, &slot, i, BPF_ANY) ? -errno : 0;
}

static int zero_counters(struct ps_slots *s, __u32 slot)
{
	__u32 idx;
	int d;

	memset(s->percpu, 0, s->ncpu * sizeof(*s->percpu));
	for (d = 0; d < PS_DIR_MAX; d++) {
		idx = ps_stats_index(slot, d);
		if (bpf_map_update_elem(s->stats_fd, &idx, s->percpu, BPF_ANY))
			return -errno;
	}
	return s->hs_fd >= 0 ? ps_hs_prepare(s->hs_fd, slot, s->svc_ports, true) : 0;
}

/* "psb0 (index 2, another network namespace)" */
static void describe(char *buf, size_t len, const struct ps_slots *s, const struct ps_ifinfo *i)
{
	snprintf(buf, len, "%s (index %u%s)", i->name, i->ifindex,
		 i->netns == s->netns ? "" : ", another network namespace");
}

int ps_slots_prune(struct ps_slots *s)
{
	struct ps_ifslot *slots = calloc(PS_IFSLOT_SIZE, sizeof(*slots)), none = {};
	struct ps_ifinfo info, empty = {};
	char now[IF_NAMESIZE], who[64];
	__u32 k;
	int err;

	if (!slots)
		return -ENOMEM;
	err = ps_ifslot_read(s->ifslot_fd, slots);
	for (k = 0; !err && k < PS_IFSLOT_SIZE; k++) {
		if (!slots[k].slot || bpf_map_lookup_elem(s->ifinfo_fd, &slots[k].slot, &info) ||
		    !info.netns)
			continue;	/* free, or pins older than identities: judged at attach */
		if (info.netns == s->netns && if_indextoname(slots[k].ifindex, now) &&
		    !strcmp(now, info.name))
			continue;
		describe(who, sizeof(who), s, &info);
		fprintf(stderr, "portsense: the counts of %s are dropped: %s\n", who,
			info.netns == s->netns ? "no interface here has that index and name" :
			"an instance here cannot count it");
		if (bpf_map_update_elem(s->ifslot_fd, &k, &none, BPF_ANY) ||
		    set_info(s, slots[k].slot, &empty))
			err = -errno;
	}
	free(slots);
	return err;
}

struct ps_slots *ps_slots_open(int ifslot_fd, int ifinfo_fd, int stats_fd,
			       unsigned int max_ifaces)
{
	struct ps_slots *s = calloc(1, sizeof(*s));
	int err = -ENOMEM;

	if (!s)
		goto fail;
	*s = (struct ps_slots){ .ifslot_fd = ifslot_fd, .ifinfo_fd = ifinfo_fd,
				.stats_fd = stats_fd, .max = max_ifaces, .hs_fd = -1,
				.netns = ps_netns_cookie(), .ncpu = libbpf_num_possible_cpus() };
	if (s->ncpu <= 0) {
		err = s->ncpu ? s->ncpu : -EINVAL;
		goto fail;
	}
	s->percpu = calloc(s->ncpu, sizeof(*s->percpu));
	s->base = calloc(max_ifaces + 1, sizeof(*s->base));
	s->begun = calloc(max_ifaces + 1, sizeof(*s->begun));
	if (!s->percpu || !s->base || !s->begun)
		goto fail;
	return s;
fail:
	fprintf(stderr, "portsense: cannot read the counter slots: %s\n", strerror(-err));
	ps_slots_close(s);
	errno = -err;
	return NULL;
}

void ps_slots_close(struct ps_slots *s)
{
	if (!s)
		return;
	free(s->percpu);
	free(s->base);
	free(s->begun);
	free(s);
}

void ps_slots_handshakes(struct ps_slots *s, int hs_fd, const __u16 ports[PS_HS_SVC_PORTS])
{
	s->hs_fd = hs_fd;
	memcpy(s->svc_ports, ports, sizeof(s->svc_ports));
}

/* A free slot, 0 when none is left. */
static __u32 free_slot(struct ps_slots *s, int *err)
{
	struct ps_ifslot *slots = calloc(PS_IFSLOT_SIZE, sizeof(*slots));
	bool *used = calloc(s->max + 1, sizeof(*used));
	__u32 k, slot = 0;

	*err = slots && used ? ps_ifslot_read(s->ifslot_fd, slots) : -ENOMEM;
	for (k = 0; !*err && k < PS_IFSLOT_SIZE; k++)
		if (slots[k].slot && slots[k].slot <= s->max)
			used[slots[k].slot] = true;
	for (k = 1; !*err && k <= s->max && !slot; k++)
		if (!used[k])
			slot = k;
	free(slots);
	free(used);
	return slot;
}

int ps_slots_assign(struct ps_slots *s, int ifindex, const char *name)
{
	struct ps_ifinfo info = {}, was = {};
	struct ps_ifslot e = {};
	__u32 k = entry_of(ifindex);
	char who[64];
	int err = 0;

	if (bpf_map_lookup_elem(s->ifslot_fd, &k, &e))
		return -errno;
	if (e.slot && e.ifindex == (__u32)ifindex) {
		if (bpf_map_lookup_elem(s->ifinfo_fd, &e.slot, &was))
			return -errno;
		/* Pins older than identities: the counts are taken as this interface's. */
		if (!was.netns) {
			info = (struct ps_ifinfo){ .netns = s->netns, .ifindex = ifindex };
			snprintf(info.name, sizeof(info.name), "%s", name);
			return set_info(s, e.slot, &info);
		}
		/* The same interface: its counts go on (a service port changed starts again). */
		if (same_interface(s, &was, ifindex, name))
			return s->hs_fd >= 0 ? ps_hs_prepare(s->hs_fd, e.slot, s->svc_ports, false) : 0;
		describe(who, sizeof(who), s, &was);
		fprintf(stderr, "portsense: %s: its counter slot held the counts of %s; they start again from zero\n",
			name, who);
	} else if (e.slot) {
		fprintf(stderr, "portsense: %s (index %d) shares its counter slot entry with interface index %u\n"
			"  fix: count them in separate instances (--pin-path)\n",
			name, ifindex, e.ifindex);
		return -EEXIST;
	} else {
		e.slot = free_slot(s, &err);
		if (err)
			return err;
		if (!e.slot) {
			fprintf(stderr, "portsense: no counter slot left for %s\n  fix: raise --max-interfaces\n",
				name);
			return -ENOSPC;
		}
		e.ifindex = ifindex;
	}
	info = (struct ps_ifinfo){
		.netns = s->netns, .since_ns = realtime_ns(), .ifindex = ifindex,
		.was_netns = was.netns, .was_ifindex = was.ifindex,
	};
	snprintf(info.name, sizeof(info.name), "%s", name);
	memcpy(info.was_name, was.name, sizeof(info.was_name));
	/* Zeroed before the slot is published: the data path only looks up. */
	err = zero_counters(s, e.slot) ?: set_info(s, e.slot, &info);
	if (!err && bpf_map_update_elem(s->ifslot_fd, &k, &e, BPF_ANY))
		err = -errno;
	if (err)
		fprintf(stderr, "portsense: cannot create counters for %s: %s\n", name, strerror(-err));
	return err;
}

/* The slot @ifindex has now; 0: none. */
static __u32 slot_of(const struct ps_slots *s, int ifindex)
{
	struct ps_ifslot e = {};
	__u32 k = entry_of(ifindex);

	if (bpf_map_lookup_elem(s->ifslot_fd, &k, &e) || e.ifindex != (__u32)ifindex ||
	    e.slot > s->max)
		return 0;
	return e.slot;
}

int ps_slots_begin(struct ps_slots *s, int ifindex)
{
	__u32 slot = slot_of(s, ifindex), idx;
	struct ps_slot_base *b;
	int d, cpu;

	if (!slot)
		return -ENOENT;
	b = &s->base[slot];
	memset(b, 0, sizeof(*b));
	for (d = 0; d < PS_DIR_MAX; d++) {
		idx = ps_stats_index(slot, d);
		if (bpf_map_lookup_elem(s->stats_fd, &idx, s->percpu))
			return -errno;
		for (cpu = 0; cpu < s->ncpu; cpu++)
			ps_counters_add(&b->dir[d], &s->percpu[cpu]);
	}
	if (s->hs_fd >= 0) {
		int err = ps_hs_read(s->hs_fd, slot, &b->hs);

		if (err)
			return err;
	}
	b->since_ns = realtime_ns();
	s->begun[slot] = true;
	return 0;
}

void ps_slots_end(struct ps_slots *s, int ifindex)
{
	s->begun[slot_of(s, ifindex)] = false;
}

void ps_slots_rename(struct ps_slots *s, int ifindex, const char *name)
{
	__u32 slot = slot_of(s, ifindex);
	struct ps_ifinfo info;

	if (slot && !bpf_map_lookup_elem(s->ifinfo_fd, &slot, &info)) {
		snprintf(info.name, sizeof(info.name), "%s", name);
		set_info(s, slot, &info);
	}
}

void ps_slots_free(struct ps_slots *s, int ifindex)
{
	__u32 slot = slot_of(s, ifindex), k = entry_of(ifindex);
	struct ps_ifslot none = {};
	struct ps_ifinfo empty = {};

	if (!slot)
		return;
	bpf_map_update_elem(s->ifslot_fd, &k, &none, BPF_ANY);
	set_info(s, slot, &empty);
	s->begun[slot] = false;
}

void ps_slots_carried(struct ps_slots *s, __u32 idx, const struct ps_counters *added)
{
	__u32 slot = idx / PS_DIR_MAX;

	if (s && slot && slot <= s->max && s->begun[slot])
		ps_counters_add(&s->base[slot].dir[idx % PS_DIR_MAX], added);
}

const struct ps_slot_base *ps_slots_base(const struct ps_slots *s, __u32 slot)
{
	return slot && slot <= s->max && s->begun[slot] ? &s->base[slot] : NULL;
}
