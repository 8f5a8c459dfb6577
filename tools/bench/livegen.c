// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * livegen - the benchmark's traffic generator.  An XDP program that
 * returns XDP_TX (gen.bpf.c) is run with BPF_PROG_TEST_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES: the kernel copies the template into pages of
 * a page pool, runs the program on each, and sends what it returns XDP_TX
 * for out of the interface named by the context's ingress_ifindex,
 * through that driver's ndo_xdp_xmit (a veth puts them straight into its
 * peer's receive ring).  No program is attached anywhere on the sending
 * side, and no socket or skb is involved, so one core offers millions of
 * frames a second, far more than trafgen or a raw socket.
 *
 *   livegen -n NETNS -i IFACE -m DSTMAC [-t TEMPLATE[,TEMPLATE...]]
 *           [-d SECS] [-r PPS] [-b BATCH] [-s v4:N|v6:N] [-c CPU] [-S]
 *
 * The interface index is looked up in NETNS (a /run/netns path): the test
 * run resolves it in the caller's namespace, so livegen joins it first.
 * The frames are addressed to DSTMAC (the receiver's, so its stack takes
 * them as its own) and, unless the template says otherwise, to 198.18.0.2
 * or 2001:db8::2.  Several templates make a mix, frame by frame.  -r paces
 * the frames, -s rewrites the source address of every frame, cycling
 * through N distinct ones (a spoofed flood); gen.bpf.c does both.
 *
 * -S turns the kernel's BPF run-time statistics on for the run (every
 * program's run_time_ns and run_cnt, as bpftool prog show prints them);
 * they cost two clock reads per program run, so only runs that want them.
 *
 * One test run lasts the whole measurement: setting one up costs tens of
 * milliseconds (the kernel updates its XDP dispatcher and waits for RCU),
 * so short runs would leave gaps.  A timer signal ends it after SECS.
 *
 * Prints key=value lines: start (CLOCK_REALTIME, s), sent, secs, pps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_gen.skel.h"
#include "../../tests/pktbuild.h"

#define MAX_TEMPLATES	8	/* gen.bpf.c: GEN_TMPL_MAX */
#define HDR_MAX		256	/* gen.bpf.c: GEN_HDR_MAX */

/* Named templates; any other -t is a tests/pktbuild.h description. */
static const struct {
	const char *name;
	const char *desc;
} named[] = {
	{ "udp", "ipv4 udp:sport=9,dport=9 pad:to=64" },
	{ "syn", "ipv4 tcp:sport=40000,dport=80,flags=0x002 pad:to=64" },
	{ "syn6", "ipv6 tcp:sport=40000,dport=80,flags=0x002" },
	{ "dns", "ipv4 udp:sport=40000,dport=53 data:n=40" },
	{ "data", "ipv4 tcp:sport=40000,dport=80,flags=0x018 data:n=1460" },
	{ "ack6", "ipv6 tcp:sport=40000,dport=80,flags=0x010 data:n=20" },
};
/* "mix": one of each of these in turn. */
static const char *const mix[] = { "syn", "dns", "data", "ack6", "udp" };

/* The timer only has to interrupt the test run (it returns EINTR). */
static void on_signal(int sig)
{
	(void)sig;
}

static __u64 now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static __u32 sum16(const __u8 *b, size_t n, __u32 s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += b[i] << 8 | b[i + 1];
	if (n & 1)
		s += b[n - 1] << 8;
	return s;
}

static __u16 fold(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

struct tmpl {
	struct pkt p;
	size_t ip_off, l4_csum_off;
	int family;
};

/*
 * Turn a pktbuild frame into one the receiver's stack accepts: its MAC
 * addresses, 198.18.0.2 as the IPv4 destination (pktbuild uses 198.19.0.2)
 * and correct IPv4 and TCP/UDP checksums.
 */
static int finish(struct tmpl *t, const __u8 *dmac, const __u8 *smac)
{
	struct pkt *p = &t->p;
	size_t end = p->pad_start ? p->pad_start : p->len, ip = 0, l4 = 0, k;
	int i, proto = -1;
	__u32 s;

	memcpy(p->b, dmac, 6);
	memcpy(p->b + 6, smac, 6);
	for (i = 0; i < p->n; i++) {
		const struct pb_layer *l = &p->l[i];

		if ((l->kind == PB_IPV4 || l->kind == PB_IPV6) && !ip) {
			ip = l->start;
			t->family = l->kind == PB_IPV4 ? 4 : 6;
		} else if ((l->kind == PB_TCP || l->kind == PB_UDP) && !l4) {
			l4 = l->start;
			proto = l->kind == PB_TCP ? 6 : 17;
		}
	}
	t->ip_off = ip;
	if (!ip)
		return 0;
	if (t->family == 4) {
		p->b[ip + 19] = 2;	/* 198.19.0.2 -> 198.18.0.2 */
		p->b[ip + 17] = 18;
		p->b[ip + 10] = p->b[ip + 11] = 0;
		k = (p->b[ip] & 0xf) * 4;
		s = fold(sum16(p->b + ip, k, 0));
		p->b[ip + 10] = s >> 8;
		p->b[ip + 11] = s;
	}
	if (!l4)
		return 0;
	t->l4_csum_off = l4 + (proto == 6 ? 16 : 6);
	p->b[t->l4_csum_off] = p->b[t->l4_csum_off + 1] = 0;
	/* Pseudo-header: addresses, protocol, L4 length. */
	if (t->family == 4)
		s = sum16(p->b + ip + 12, 8, 0);
	else
		s = sum16(p->b + ip + 8, 32, 0);
	s += proto + (end - l4);
	s = fold(sum16(p->b + l4, end - l4, s));
	if (proto == 17 && !s)
		s = 0xffff;
	p->b[t->l4_csum_off] = s >> 8;
	p->b[t->l4_csum_off + 1] = s;
	return 0;
}

static int build(struct tmpl *t, const char *name, const __u8 *dmac, const __u8 *smac)
{
	const char *desc = name;
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcmp(name, named[i].name))
			desc = named[i].desc;
	if (pb_build(&t->p, desc)) {
		fprintf(stderr, "livegen: template '%s': %s\n", name, t->p.err);
		return -1;
	}
	return finish(t, dmac, smac);
}

static int parse_mac(const char *s, __u8 *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
		      &m[3], &m[4], &m[5]) == 6 ? 0 : -1;
}

static int own_mac(const char *ifname, __u8 *m)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (!err)
		memcpy(m, ifr.ifr_hwaddr.sa_data, 6);
	return err;
}

/*
 * One live-frames run of @t out of @ifindex until a signal: the kernel
 * loops up to 2^32 - 1 times, far longer than any measurement.
 */
static int run(int prog_fd, const struct tmpl *t, int ifindex, __u32 batch)
{
	struct xdp_md ctx = { .data_end = t->p.len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = t->p.b, .data_size_in = t->p.len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 0xffffffffu,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = batch);

	return bpf_prog_test_run_opts(prog_fd, &o) ? -errno : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: livegen -n NETNS -i IFACE -m DSTMAC [-t TEMPLATE[,...]] [-d SECS]\n"
			"               [-r PPS] [-b BATCH] [-s v4:N|v6:N] [-c CPU] [-S]\n"
			"templates: udp syn syn6 dns data ack6 mix, or a tests/pktbuild.h description\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *netns = NULL, *ifname = NULL, *tlist = "udp";
	double secs = 2, rate = 0;
	__u32 batch = 64, nsrc = 0;
	int src_mode = 0, cpu = -1, c, n_t = 0, ifindex, fd, ret = 1, err, big = 0;
	int want_stats = 0, stats_fd = -1;
	static struct tmpl t[MAX_TEMPLATES];
	struct bench_gen_bpf *skel = NULL;
	struct itimerval it = {};
	struct sigaction sa = {};
	__u8 dmac[6], smac[6];
	int have_dmac = 0;
	__u64 sent, t0, t1;
	char buf[512], *tok, *save = NULL;

	while ((c = getopt(argc, argv, "n:i:m:t:d:r:b:s:c:S")) != -1) {
		switch (c) {
		case 'n': netns = optarg; break;
		case 'i': ifname = optarg; break;
		case 'm': have_dmac = !parse_mac(optarg, dmac); break;
		case 't': tlist = optarg; break;
		case 'd': secs = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'b': batch = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'S': want_stats = 1; break;
		case 's':
			if (sscanf(optarg, "v%d:%u", &src_mode, &nsrc) != 2 ||
			    (src_mode != 4 && src_mode != 6) || !nsrc ||
			    (src_mode == 4 && nsrc > 131072))
				usage();
			break;
		default: usage();
		}
	}
	if (!ifname || !have_dmac || secs <= 0 || rate < 0 || !batch || batch > 256)
		usage();
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			fprintf(stderr, "livegen: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
	}
	if (netns) {
		fd = open(netns, O_RDONLY);
		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			fprintf(stderr, "livegen: cannot join %s: %s\n", netns, strerror(errno));
			return 1;
		}
		close(fd);
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex || own_mac(ifname, smac)) {
		fprintf(stderr, "livegen: no interface %s here\n", ifname);
		return 1;
	}
	snprintf(buf, sizeof(buf), "%s", tlist);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i, n = !strcmp(tok, "mix") ? sizeof(mix) / sizeof(mix[0]) : 1;

		for (i = 0; i < n; i++) {
			if (n_t == MAX_TEMPLATES) {
				fprintf(stderr, "livegen: at most %d templates\n", MAX_TEMPLATES);
				return 2;
			}
			if (build(&t[n_t], n > 1 ? mix[i] : tok, dmac, smac))
				return 2;
			if (t[n_t].p.len > t[big].p.len)
				big = n_t;
			n_t++;
		}
	}
	/*
	 * A mix runs on the longest template's frames; the program writes the
	 * others' headers over it and cuts it to their length, so everything
	 * but the longest must fit in what it copies.
	 */
	for (c = 0; c < n_t && n_t > 1; c++) {
		if (c != big && t[c].p.len > HDR_MAX) {
			fprintf(stderr, "livegen: in a mix only the longest template may exceed %d bytes\n",
				HDR_MAX);
			return 2;
		}
	}
	if (src_mode && (t[0].family != src_mode || n_t > 1)) {
		fprintf(stderr, "livegen: -s v%d needs one IPv%d template\n", src_mode, src_mode);
		return 2;
	}

	skel = bench_gen_bpf__open();
	if (!skel)
		goto out;
	skel->rodata->src_mode = src_mode;
	skel->rodata->n_sources = nsrc;
	skel->rodata->ip_off = t[0].ip_off;
	skel->rodata->l4_csum_off = t[0].l4_csum_off;
	skel->rodata->n_tmpl = n_t;
	for (c = 0; c < n_t; c++)
		skel->rodata->tmpl_len[c] = t[c].p.len;
	skel->rodata->interval_ns = rate > 0 ? 1e9 / rate : 0;
	if (bench_gen_bpf__load(skel)) {
		fprintf(stderr, "livegen: cannot load the generator: %s\n", strerror(errno));
		goto out;
	}
	for (c = 0; c < n_t && n_t > 1; c++) {
		__u8 hdr[HDR_MAX] = {};
		__u32 k = c;

		memcpy(hdr, t[c].p.b, t[c].p.len < HDR_MAX ? t[c].p.len : HDR_MAX);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.gen_tmpl), &k, hdr, BPF_ANY)) {
			fprintf(stderr, "livegen: cannot store template %d: %s\n", c, strerror(errno));
			goto out;
		}
	}
	/* No SA_RESTART: the signal must end the test run. */
	sa.sa_handler = on_signal;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	it.it_value.tv_sec = (time_t)secs;
	it.it_value.tv_usec = (secs - (time_t)secs) * 1e6;

	if (want_stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			fprintf(stderr, "livegen: cannot enable BPF statistics: %s\n", strerror(errno));
			goto out;
		}
	}
	fd = bpf_program__fd(skel->progs.gen_tx);
	printf("start=%.6f\n", now_ns(CLOCK_REALTIME) / 1e9);
	fflush(stdout);
	t0 = now_ns(CLOCK_MONOTONIC);
	setitimer(ITIMER_REAL, &it, NULL);
	err = run(fd, &t[big], ifindex, batch);
	t1 = now_ns(CLOCK_MONOTONIC);
	if (err && err != -EINTR) {
		fprintf(stderr, "livegen: test run on %s: %s\n", ifname, strerror(-err));
		goto out;
	}
	sent = skel->bss->seq;
	printf("sent=%llu\nsecs=%.3f\npps=%.0f\n", (unsigned long long)sent,
	       (t1 - t0) / 1e9, sent / ((t1 - t0) / 1e9));
	ret = 0;
out:
	if (stats_fd >= 0)
		close(stats_fd);
	bench_gen_bpf__destroy(skel);
	return ret;
}
