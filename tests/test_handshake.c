// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_handshake - the connection diagnosis in the kernel (bpf/ps_flows.h,
 * bpf/ps_service.h), driven packet by packet with BPF_PROG_TEST_RUN as
 * test_detect drives the detectors: handshakes into this host through
 * ps_xdp, its own packets out through ps_tc_out, with real time between
 * them (the latency is bpf_ktime_get_ns()'s).  Asserts the counters of
 * ps_hs exactly: each outcome, the bucket a known delay lands in, the
 * service ports, the sweep, retransmits, zero windows, resets, and that a
 * random-source SYN flood cannot push this host's own handshakes out.
 * The delay-line suite (tests/test_diagnosis.sh) proves the same with
 * real clients, servers and a wire.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "portsense.skel.h"
#include "handshakes.h"
#include "harness.h"
#include "pktbuild.h"

#define HOST "198.18.0.2"
#define SVC_PORT 8080		/* the one --service-ports place the tests set */

#define SYN	"flags=0x002"
#define SYNACK	"flags=0x012"
#define ACK	"flags=0x010"
#define FINACK	"flags=0x011"
#define RSTACK	"flags=0x014"

static int failures;
/*
 * NULL: the kernel's config.  "CONFIG_HZ=300" has no whole number of ns
 * per tick, so the detectors' clock is the coarse helper, which the sweep
 * (a syscall program) may not call: the sweep scenario runs again so.
 */
static const char *kconfig;

static void check(bool cond, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(bool cond, const char *name, const char *fmt, ...)
{
	const char *tag = kconfig ? " [coarse clock]" : "";
	va_list ap;

	if (cond) {
		printf("ok - handshake %s%s\n", name, tag);
		return;
	}
	failures++;
	printf("not ok - handshake %s%s: ", name, tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* A short window, so a scenario sees the one where the service served end. */
static void tune_refusing(struct ps_detect_cfg *c)
{
	c->service_refusing = 5;
	c->scan_window_ns = 200ULL * 1000 * 1000;
}

/* A fresh sensor, port SVC_PORT a service port, lo with its slot. */
static int setup(struct ht_sensor *x, void (*tune)(struct ps_detect_cfg *))
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .kconfig = kconfig);

	if (ht_sensor_open(x, &oo))
		goto fail;
	x->skel->rodata->ps_svc_ports[0] = SVC_PORT;
	if (tune)
		tune(&x->skel->data->ps_cfg);
	if (ht_sensor_load(x) || ht_give_slot(x->skel->obj))
		goto fail;
	if (kconfig && (!x->skel->kconfig || PS_NS_PER_TICK(x->skel->kconfig->CONFIG_HZ))) {
		check(false, "setup", "the kconfig override did not take");
		ht_sensor_close(x);
		return -1;
	}
	return 0;
fail:
	check(false, "setup", "%s", strerror(errno));
	ht_sensor_close(x);
	return -1;
}

/* The frame a pktbuild.h description gives, into this host (ps_xdp) or out of it (ps_tc_out). */
#define IN(x, ...) (failures += ht_run_desc((x)->in_fd, __VA_ARGS__) != 0)
#define OUT(x, ...) (failures += ht_run_desc((x)->out_fd, __VA_ARGS__) != 0)

/* A client at 198.18.0.@c, port @cport, completes a handshake to this host's @port. */
static void serve(struct ht_sensor *x, int c, int cport, int port)
{
	IN(x, "ipv4:src=198.18.0.%d,dst=" HOST " tcp:sport=%d,dport=%d," SYN ",seq=1", c, cport, port);
	OUT(x, "ipv4:src=" HOST ",dst=198.18.0.%d tcp:sport=%d,dport=%d," SYNACK ",seq=7", c, port, cport);
	IN(x, "ipv4:src=198.18.0.%d,dst=" HOST " tcp:sport=%d,dport=%d," ACK ",seq=2", c, cport, port);
}

/* The same client's SYN, which this host refuses (RST+ACK, sequence 0: nothing listens). */
static void refuse(struct ht_sensor *x, int c, int cport, int port)
{
	IN(x, "ipv4:src=198.18.0.%d,dst=" HOST " tcp:sport=%d,dport=%d," SYN ",seq=1", c, cport, port);
	OUT(x, "ipv4:src=" HOST ",dst=198.18.0.%d tcp:sport=%d,dport=%d," RSTACK ",seq=0", c, port, cport);
}

static struct ps_hs_counters hs(struct ht_sensor *x)
{
	struct ps_hs_counters c = {};
	__u32 k = HT_SLOT;

	if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.ps_hs), &k, &c))
		check(false, "read ps_hs", "%s", strerror(errno));
	return c;
}

/* The sweep, as the loader runs it: the number of handshakes it expired. */
static long long sweep(struct ht_sensor *x, double timeout_s)
{
	struct ps_hs_sweep_args a = { .timeout_ns = (__u64)(timeout_s * 1e9) };
	/* A syscall program's context comes back where it came from. */
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &a, .ctx_size_in = sizeof(a));

	if (bpf_prog_test_run_opts(bpf_program__fd(x->skel->progs.ps_hs_sweep), &o))
		return -1;
	return (long long)a.expired;
}

static int alerts(struct ht_sensor *x, enum ps_alert a, const struct ps_event **last)
{
	return ht_alerts_of(&x->al, a, last);
}

/* The bucket a latency of @ns belongs in (the bounds as the loader reads them). */
static int bucket_of(__u64 ns)
{
	static const __u64 b[] = {
#define NS(le, v) v,
		PS_HS_BOUNDS_LIST(NS)
#undef NS
	};
	int i;

	for (i = 0; i < PS_HS_BOUNDS && ns > b[i]; i++)
		;
	return i;
}

/* Both roles' completed handshakes, their latency where it belongs. */
static void completed(void)
{
	const struct ps_hs_series *srv, *cli, *svc;
	struct ps_hs_counters c;
	struct ht_sensor x;

	if (setup(&x, NULL))
		return;
	/* Server: SYN in, SYN-ACK out, 30 ms, the client's ACK. */
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=40000,dport=80," SYN ",seq=1");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.5 tcp:sport=80,dport=40000," SYNACK ",seq=7");
	usleep(30 * 1000);
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=40000,dport=80," ACK ",seq=2");
	/* Client: SYN out, 12 ms, SYN-ACK in, the ACK out. */
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.6 tcp:sport=40001,dport=443," SYN ",seq=1");
	usleep(12 * 1000);
	IN(&x, "ipv4:src=198.18.0.6,dst=" HOST " tcp:sport=443,dport=40001," SYNACK ",seq=9");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.6 tcp:sport=40001,dport=443," ACK ",seq=2");
	/* A service port: its own series, not its class's. */
	serve(&x, 5, 40002, SVC_PORT);
	/* Data afterwards changes nothing. */
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=40000,dport=80," ACK ",seq=2 data:n=100");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.5 tcp:sport=80,dport=40000," ACK ",seq=8 data:n=100");
	c = hs(&x);
	srv = &c.role[PS_HS_SERVER].cls[PS_PCLASS_WELL_KNOWN];
	cli = &c.role[PS_HS_CLIENT].cls[PS_PCLASS_WELL_KNOWN];
	svc = &c.role[PS_HS_SERVER].svc[0];
	check(srv->outcome[PS_HS_COMPLETED] == 1 && ps_hs_ended(srv) == 1 && ps_hs_count(srv) == 1 &&
	      srv->bucket[bucket_of(40000000)] == 1 &&
	      srv->sum_ns >= 30000000 && srv->sum_ns < 45000000,
	      "server: SYN-ACK out to ACK in 30 ms later, one completed, bucket (25, 50] ms",
	      "completed %llu, outcomes %llu, sum %llu ns", (unsigned long long)srv->outcome[0],
	      (unsigned long long)ps_hs_ended(srv), (unsigned long long)srv->sum_ns);
	check(cli->outcome[PS_HS_COMPLETED] == 1 && ps_hs_ended(cli) == 1 &&
	      cli->bucket[bucket_of(20000000)] == 1 && cli->sum_ns >= 12000000 &&
	      cli->sum_ns < 25000000,
	      "client: SYN out to SYN-ACK in 12 ms later, one completed, bucket (10, 25] ms",
	      "completed %llu, sum %llu ns", (unsigned long long)cli->outcome[0],
	      (unsigned long long)cli->sum_ns);
	check(svc->outcome[PS_HS_COMPLETED] == 1 && ps_hs_count(svc) == 1 && svc->bucket[0] + svc->bucket[1] +
	      svc->bucket[2] + svc->bucket[3] + svc->bucket[4] + svc->bucket[5] == 1 &&
	      ps_hs_ended(&c.role[PS_HS_SERVER].cls[PS_PCLASS_REGISTERED]) == 0,
	      "a --service-ports port counts in its own series (under 5 ms), not in its class's",
	      "svc completed %llu, registered %llu", (unsigned long long)svc->outcome[0],
	      (unsigned long long)ps_hs_ended(&c.role[PS_HS_SERVER].cls[PS_PCLASS_REGISTERED]));
	ht_sensor_close(&x);
}

/* Refused, reset after the SYN-ACK, unanswered: each once, the sweep included. */
static void failed(void)
{
	const struct ps_hs_series *srv, *cli;
	struct ps_hs_counters c;
	long long n1, n2;
	struct ht_sensor x;

	if (setup(&x, NULL))
		return;
	/* This host refuses (port closed). */
	refuse(&x, 5, 41000, 81);
	/* It is refused. */
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.6 tcp:sport=41001,dport=444," SYN ",seq=1");
	IN(&x, "ipv4:src=198.18.0.6,dst=" HOST " tcp:sport=444,dport=41001," RSTACK ",seq=0");
	/* A SYN scan: the scanner resets the SYN-ACK. */
	IN(&x, "ipv4:src=198.18.0.7,dst=" HOST " tcp:sport=41002,dport=22," SYN ",seq=1");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.7 tcp:sport=22,dport=41002," SYNACK ",seq=7");
	IN(&x, "ipv4:src=198.18.0.7,dst=" HOST " tcp:sport=41002,dport=22,flags=0x004,seq=2");
	/* Unanswered: a SYN in nobody answers, one out, a SYN-ACK never acknowledged. */
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=41003,dport=82," SYN ",seq=1");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.8 tcp:sport=41004,dport=445," SYN ",seq=1");
	IN(&x, "ipv4:src=198.18.0.9,dst=" HOST " tcp:sport=41005,dport=83," SYN ",seq=1");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.9 tcp:sport=83,dport=41005," SYNACK ",seq=7");
	/* Sent again: the same SYNs, in and out. */
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=41003,dport=82," SYN ",seq=1");
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=41003,dport=82," SYN ",seq=1");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.8 tcp:sport=41004,dport=445," SYN ",seq=1");
	c = hs(&x);
	srv = &c.role[PS_HS_SERVER].cls[PS_PCLASS_WELL_KNOWN];
	cli = &c.role[PS_HS_CLIENT].cls[PS_PCLASS_WELL_KNOWN];
	check(srv->outcome[PS_HS_REFUSED] == 1 && cli->outcome[PS_HS_REFUSED] == 1,
	      "refused: RST out to a SYN in (server), RST in to a SYN out (client)",
	      "server %llu, client %llu", (unsigned long long)srv->outcome[PS_HS_REFUSED],
	      (unsigned long long)cli->outcome[PS_HS_REFUSED]);
	check(srv->outcome[PS_HS_RESET_AFTER_SYNACK] == 1,
	      "reset_after_synack: a SYN scan's RST to this host's SYN-ACK", "%llu",
	      (unsigned long long)srv->outcome[PS_HS_RESET_AFTER_SYNACK]);
	check(c.role[PS_HS_SERVER].syn_retransmits == 2 && c.role[PS_HS_CLIENT].syn_retransmits == 1,
	      "syn_retransmits: the same SYN twice more in, once more out", "server %llu, client %llu",
	      (unsigned long long)c.role[PS_HS_SERVER].syn_retransmits,
	      (unsigned long long)c.role[PS_HS_CLIENT].syn_retransmits);
	check(alerts(&x, PS_ALERT_BACKSCATTER, NULL) == 0 && c.resets[0] == 0 && c.resets[1] == 0,
	      "a refusal is neither backscatter nor a reset after the handshake", "resets %llu/%llu",
	      (unsigned long long)c.resets[0], (unsigned long long)c.resets[1]);
	n1 = sweep(&x, 10);
	usleep(60 * 1000);
	n2 = sweep(&x, 0.05);
	c = hs(&x);
	check(n1 == 0 && n2 == 3 && srv->outcome[PS_HS_UNANSWERED] == 1 &&
	      cli->outcome[PS_HS_UNANSWERED] == 1 && srv->outcome[PS_HS_SYNACK_UNANSWERED] == 1,
	      "sweep: nothing before the timeout; after it unanswered in and out, synack_unanswered",
	      "expired %lld then %lld; unanswered %llu/%llu, synack %llu", n1, n2,
	      (unsigned long long)srv->outcome[PS_HS_UNANSWERED],
	      (unsigned long long)cli->outcome[PS_HS_UNANSWERED],
	      (unsigned long long)srv->outcome[PS_HS_SYNACK_UNANSWERED]);
	/*
	 * Late: the SYN sent again after the timeout is a retransmit still,
	 * and the answer counts nothing more (nor is it backscatter).
	 */
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.8 tcp:sport=41004,dport=445," SYN ",seq=1");
	IN(&x, "ipv4:src=198.18.0.8,dst=" HOST " tcp:sport=445,dport=41004," SYNACK ",seq=9");
	c = hs(&x);
	check(sweep(&x, 0.05) == 0 && ps_hs_ended(srv) == 4 && ps_hs_ended(cli) == 2 &&
	      c.role[PS_HS_CLIENT].syn_retransmits == 2 && alerts(&x, PS_ALERT_BACKSCATTER, NULL) == 0,
	      "each handshake has one outcome: 4 in, 2 out, whatever comes late", "%llu in, %llu out",
	      (unsigned long long)ps_hs_ended(srv), (unsigned long long)ps_hs_ended(cli));
	ht_sensor_close(&x);
}

/* Zero windows and RSTs that end no handshake, by direction. */
static void windows_and_resets(void)
{
	struct ps_hs_counters c;
	struct ht_sensor x;

	if (setup(&x, NULL))
		return;
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=42000,dport=80," ACK ",win=0");
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=42000,dport=80," ACK ",win=0");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.5 tcp:sport=80,dport=42000," ACK ",win=0");
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=42000,dport=80," FINACK ",win=0");
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=42000,dport=80," ACK ",win=1");
	/* RSTs: the peer's and this host's on a connection, and answers to SYNs. */
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=42000,dport=80," RSTACK ",seq=5000");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.5 tcp:sport=80,dport=42001,flags=0x004,seq=7000");
	OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.5 tcp:sport=80,dport=42002," RSTACK ",seq=0");
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=80,dport=42003," RSTACK ",seq=0");
	c = hs(&x);
	check(c.zero_window[PS_DIR_INGRESS] == 2 && c.zero_window[PS_DIR_EGRESS] == 1,
	      "zero_window: ACKs with window 0 in (2) and out (1); a FIN or a window of 1 is none",
	      "in %llu, out %llu", (unsigned long long)c.zero_window[0],
	      (unsigned long long)c.zero_window[1]);
	check(c.resets[PS_DIR_INGRESS] == 1 && c.resets[PS_DIR_EGRESS] == 1,
	      "resets: one RST each way on connections; RSTs with sequence 0 answer SYNs, not counted",
	      "in %llu, out %llu", (unsigned long long)c.resets[0], (unsigned long long)c.resets[1]);
	ht_sensor_close(&x);
}

/* A random-source SYN flood cannot push this host's own handshakes out. */
static void flood(void)
{
	const struct ps_hs_series *cli;
	struct ps_hs_counters c;
	unsigned int i;
	__u64 own;
	struct ht_sensor x;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 200; i++)
		OUT(&x, "ipv4:src=" HOST ",dst=198.18.1.1 tcp:sport=%u,dport=443," SYN ",seq=1",
		    43000 + i);
	/* Two of the 200 may share a slot: the later one wins, as ever. */
	own = ht_global(bpf_map__fd(x.skel->maps.ps_global), PS_G_FLOW_EVICTIONS);
	/* Twice the table's slots, each from a new source. */
	for (i = 0; i < 2 * PS_FLOW_SLOTS; i++)
		IN(&x, "ipv4:src=198.%u.%u.%u,dst=" HOST " tcp:sport=%u,dport=80," SYN ",seq=1",
		   18 + (i >> 16 & 1), i >> 8 & 0xff, i & 0xff, 1024 + i % 60000);
	for (i = 0; i < 200; i++)
		IN(&x, "ipv4:src=198.18.1.1,dst=" HOST " tcp:sport=443,dport=%u," SYNACK ",seq=9",
		   43000 + i);
	c = hs(&x);
	cli = &c.role[PS_HS_CLIENT].cls[PS_PCLASS_WELL_KNOWN];
	check(own < 5 && cli->outcome[PS_HS_COMPLETED] == 200 - own,
	      "131072 random-source SYNs in: this host's 200 handshakes out all complete",
	      "%llu completed, %llu lost to each other", (unsigned long long)cli->outcome[PS_HS_COMPLETED],
	      (unsigned long long)own);
	ht_sensor_close(&x);
}

/* service_refusing: a port that served, then refuses; a closed port does not alert. */
static void refusing(void)
{
	const struct ps_event *e = NULL;
	unsigned int i;
	struct ht_sensor x;
	int n;

	if (setup(&x, tune_refusing))
		return;
	for (i = 0; i < 3; i++)
		serve(&x, 5, 44000 + i, 8000);
	/* A port that never served refuses: no state, no alert. */
	for (i = 0; i < 20; i++)
		refuse(&x, 6, 45000 + i, 8001);
	check(alerts(&x, PS_ALERT_SERVICE_REFUSING, NULL) == 0,
	      "service_refusing: a port that never completed a handshake refusing 20 is no alert",
	      "%d alerts", alerts(&x, PS_ALERT_SERVICE_REFUSING, NULL));
	/* The next window: the service has stopped, its port refuses. */
	usleep(250 * 1000);
	for (i = 0; i < 8; i++)
		refuse(&x, 5, 46000 + i, 8000);
	n = alerts(&x, PS_ALERT_SERVICE_REFUSING, &e);
	check(n == 1 && e && e->sport == 8000 && e->count == 5 && e->aux == 0 && e->aux2 == 3 &&
	      e->dir == PS_DIR_EGRESS,
	      "service_refusing: port 8000 completed 3, then refuses: one alert at the 5th refusal",
	      "%d alerts (port %u, count %llu, completed %llu before)", n, e ? e->sport : 0,
	      e ? (unsigned long long)e->count : 0, e ? (unsigned long long)e->aux2 : 0);
	ht_sensor_close(&x);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	ht_quiet_libbpf();
	completed();
	failed();
	windows_and_resets();
	flood();
	refusing();
	kconfig = "CONFIG_HZ=300\n";
	failed();
	return failures ? 1 : 0;
}
