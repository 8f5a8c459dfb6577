// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_loader.c - the loader's tables and pure modules, without BPF: the
 * counter names made from the lists (user/fields.c), the /metrics text
 * rendered from a made-up snapshot (user/prom.c), the handshake figures
 * (user/handshakes.c) in /metrics and the JSON, and the option table
 * with what it makes (user/options.c, user/cmdline.c): parsing, the config
 * file, a reload's comparison, and no memory kept across 1000 reloads;
 * and the evidence files' pcapng (user/pcapng.c), byte for byte against
 * scapy's writer (tests/pcapng_ref.py).
 *
 * Output: "ok - loader ..." / "not ok - loader ...: why"; exit 1 on any
 * failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts.h"
#include "cmdline.h"
#include "fields.h"
#include "handshakes.h"
#include "evfile.h"
#include "pcapng.h"
#include "prom.h"

static int failures;

static void check(bool cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		printf("ok - loader %s\n", name);
		return;
	}
	failures++;
	printf("not ok - loader %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Every word named once, names unique, by the struct's own offsets. */
static void test_fields(void)
{
	const struct ps_field *f = ps_fields();
	size_t i, j, dup = 0, bad = 0;

	check(f != NULL, "fields: every word of struct ps_counters has a name", "ps_fields() failed");
	if (!f)
		return;
	for (i = 0; i < PS_COUNTERS_WORDS; i++) {
		bad += f[i].word != i;
		for (j = 0; j < i; j++)
			dup += !strcmp(f[i].name, f[j].name);
	}
	check(!bad && !dup, "fields: names unique, in struct order", "%zu out of order, %zu twice", bad, dup);
	/* A word's name leads to the member it names (offsetof from the same list entry). */
	check(ps_field_find("tcp.by_dst_class.registered.bytes") ==
	      (int)(offsetof(struct ps_counters, tcp.by_dst_class[PS_PCLASS_REGISTERED].bytes) / 8) &&
	      ps_field_find("icmpv6.echo_reply") ==
	      (int)(offsetof(struct ps_counters, icmpv6.echo[PS_ECHO_REPLY]) / 8) &&
	      ps_field_find("tcp.xmas_exact") ==
	      (int)(offsetof(struct ps_counters, tcp_flags[PS_TCPF_XMAS_EXACT]) / 8) &&
	      ps_field_find("extras.mirror_dropped") ==
	      (int)(offsetof(struct ps_counters, extras[PS_X_MIRROR_DROPPED]) / 8),
	      "fields: names lead to their members",
	      "a name points at another word");
	check(ps_prom_complete(), "prom: every counter and sensor counter has a family with help",
	      "see stderr");
}

/* The sample line of @family with @labels in @text, or NULL. */
static const char *sample(const char *text, const char *family, const char *labels)
{
	char want[512];
	const char *p;

	snprintf(want, sizeof(want), "%s{%s} ", family, labels);
	p = strstr(text, want);
	return p ? p + strlen(want) : NULL;
}

static void test_prom(void)
{
	struct ps_if_counters ifs[2] = {
		{ .ifindex = 2, .name = "eth0", .since_ns = 1765000000123456789ULL },
		{ .ifindex = 7, .name = "we\"ird" },
	};
	struct ps_snapshot s = { .ifs = ifs, .n_ifs = 2 };
	const struct ps_field *f = ps_fields();
	struct ps_prom_map maps[] = { { "ps_rates", "lru_hash", 3, 8192 } };
	struct ps_prom_attach att[] = { { "eth0", "ingress", "xdp", "native", true } };
	__u64 alerts[PS_ALERT_MAX] = { [PS_ALERT_PORT_SCAN] = 4 }, lru[PS_PROM_LRU_MAPS] = { 5 };
	struct ps_prom_input in = {
		.snap = &s, .alerts = alerts, .version = "t", .libbpf = "l", .libmicrohttpd = "m",
		.att = att, .n_att = 1, .maps = maps, .n_maps = 1, .lru_evictions = lru,
		.slots_max = 64,
	};
	size_t w, missing = 0, exported = 0, len = 0;
	char *text = NULL, lbl[256], fam[96], *line;
	FILE *out;
	int i, d, g, series = 0, helps = 0;

	if (!f)
		return;
	for (i = 0; i < 2; i++)
		for (d = 0; d < PS_DIR_MAX; d++)
			for (w = 0; w < PS_COUNTERS_WORDS; w++)
				((__u64 *)&ifs[i].dir[d])[w] = 1000000 * (i + 1) + 1000 * d + w;
	for (g = 0; g < PS_G_MAX; g++)
		s.global[g] = 500 + g;
	out = open_memstream(&text, &len);
	ps_prom_render(out, &in);
	fclose(out);
	/* Each exported word: once per interface and direction, its value. */
	for (i = 0; i < 2; i++) {
		for (d = 0; d < PS_DIR_MAX; d++) {
			for (w = 0; w < PS_COUNTERS_WORDS; w++) {
				const char *v;

				if (!f[w].family)
					continue;
				snprintf(fam, sizeof(fam), "portsense_%s_total", f[w].family);
				snprintf(lbl, sizeof(lbl), "interface=\"%s\",direction=\"%s\"%s%s",
					 i ? "we\\\"ird" : "eth0", ps_dir_names[d],
					 f[w].labels[0] ? "," : "", f[w].labels);
				v = sample(text, fam, lbl);
				if (!v || strtoull(v, NULL, 10) != 1000000ULL * (i + 1) + 1000 * d + w) {
					if (!missing)
						printf("# missing or wrong: %s{%s}\n", fam, lbl);
					missing++;
				}
				exported++;
			}
		}
	}
	check(exported && !missing, "prom: each counter word a sample with its labels and value",
	      "%zu of %zu", missing, exported);
	/* A few series spelled out: the contract of docs/metrics.md. */
	check(sample(text, "portsense_port_class_packets_total",
		     "interface=\"eth0\",direction=\"egress\",proto=\"udp\",side=\"src\",port_class=\"dynamic\"") &&
	      sample(text, "portsense_l4_packets_total",
		     "interface=\"eth0\",direction=\"ingress\",proto=\"icmpv6\",family=\"ipv6\"") &&
	      sample(text, "portsense_icmp_echo_total",
		     "interface=\"eth0\",direction=\"ingress\",proto=\"icmp\",type=\"request\"") &&
	      sample(text, "portsense_land_packets_total", "interface=\"eth0\",direction=\"ingress\"") &&
	      sample(text, "portsense_scan_admissions_total", "result=\"denied\"") &&
	      sample(text, "portsense_map_evictions_total", "map=\"ps_hold\"") &&
	      sample(text, "portsense_alerts_total", "alert=\"port_scan\"") &&
	      strstr(text, "portsense_frames_unslotted_total 500\n") &&
	      strstr(text, "portsense_interface_counters_since_seconds{interface=\"eth0\"} 1765000000.123\n") &&
	      !strstr(text, "portsense_interface_counters_since_seconds{interface=\"we"),
	      "prom: the documented series, spelled as documented", "one is missing");
	/* Every series has its family's HELP and TYPE before it. */
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "# HELP ", 7))
			helps++;
		else if (line[0] != '#')
			series++;
	}
	check(helps >= 30 && series > 2 * 2 * 60, "prom: families with help, series under them",
	      "%d families, %d series", helps, series);
	free(text);
}

/*
 * The handshake figures of a made-up interface: the histogram cumulative
 * with its sum and count, the service port's series, the outcomes a role
 * can have, the JSON object, a quantile, and a run's own counts.
 */
static void test_handshakes(void)
{
	struct ps_if_counters ifs[1] = { { .ifindex = 2, .name = "eth0" } };
	struct ps_snapshot s = { .ifs = ifs, .n_ifs = 1 };
	struct ps_prom_input in = { .snap = &s, .version = "t", .libbpf = "l", .libmicrohttpd = "m" };
	struct ps_hs_counters *c = &ifs[0].hs, base;
	struct ps_hs_series *w = &c->role[PS_HS_SERVER].cls[PS_PCLASS_WELL_KNOWN];
	__u64 alerts[PS_ALERT_MAX] = {};
	char *text = NULL, *json = NULL;
	size_t len = 0;
	const char *v;
	FILE *out;

	in.alerts = alerts;
	c->svc_port[0] = 8080;
	w->bucket[0] = 2;		/* <= 0.1 ms */
	w->bucket[7] = 3;		/* (10, 25] ms */
	w->bucket[PS_HS_BOUNDS] = 1;	/* over 10 s */
	w->sum_ns = 12000000000ULL;
	w->outcome[PS_HS_COMPLETED] = 6;
	w->outcome[PS_HS_REFUSED] = 4;
	c->role[PS_HS_SERVER].svc[0].outcome[PS_HS_UNANSWERED] = 9;
	c->role[PS_HS_CLIENT].syn_retransmits = 5;
	c->zero_window[PS_DIR_EGRESS] = 11;
	c->resets[PS_DIR_INGRESS] = 13;
	out = open_memstream(&text, &len);
	ps_prom_render(out, &in);
	fclose(out);
#define HS "interface=\"eth0\",role=\"server\",port_class=\"well_known\""
	check((v = sample(text, "portsense_tcp_handshake_seconds_bucket", HS ",le=\"0.0001\"")) && atoi(v) == 2 &&
	      (v = sample(text, "portsense_tcp_handshake_seconds_bucket", HS ",le=\"0.01\"")) && atoi(v) == 2 &&
	      (v = sample(text, "portsense_tcp_handshake_seconds_bucket", HS ",le=\"0.025\"")) && atoi(v) == 5 &&
	      (v = sample(text, "portsense_tcp_handshake_seconds_bucket", HS ",le=\"10\"")) && atoi(v) == 5 &&
	      (v = sample(text, "portsense_tcp_handshake_seconds_bucket", HS ",le=\"+Inf\"")) && atoi(v) == 6 &&
	      (v = sample(text, "portsense_tcp_handshake_seconds_count", HS)) && atoi(v) == 6 &&
	      (v = sample(text, "portsense_tcp_handshake_seconds_sum", HS)) && strtod(v, NULL) == 12.0 &&
	      strstr(text, "# TYPE portsense_tcp_handshake_seconds histogram\n"),
	      "handshakes: the histogram is cumulative by le, +Inf = count, sum in seconds",
	      "a series is missing or wrong");
	check((v = sample(text, "portsense_tcp_handshakes_total", HS ",outcome=\"refused\"")) && atoi(v) == 4 &&
	      (v = sample(text, "portsense_tcp_handshakes_total",
			  "interface=\"eth0\",role=\"server\",port_class=\"registered\",port=\"8080\",outcome=\"unanswered\"")) &&
	      atoi(v) == 9 &&
	      sample(text, "portsense_tcp_handshake_seconds_bucket",
		     "interface=\"eth0\",role=\"client\",port_class=\"registered\",port=\"8080\",le=\"+Inf\"") &&
	      sample(text, "portsense_tcp_handshakes_total",
		     "interface=\"eth0\",role=\"server\",port_class=\"dynamic\",outcome=\"synack_unanswered\"") &&
	      !sample(text, "portsense_tcp_handshakes_total",
		      "interface=\"eth0\",role=\"client\",port_class=\"dynamic\",outcome=\"synack_unanswered\"") &&
	      !strstr(text, "port=\"0\""),
	      "handshakes: outcomes by role, the service port's series with its class, no unused place",
	      "a series is missing or extra");
	check((v = sample(text, "portsense_tcp_syn_retransmits_total", "interface=\"eth0\",role=\"client\"")) &&
	      atoi(v) == 5 &&
	      (v = sample(text, "portsense_tcp_zero_window_total", "interface=\"eth0\",direction=\"egress\"")) &&
	      atoi(v) == 11 &&
	      (v = sample(text, "portsense_tcp_resets_after_handshake_total",
			  "interface=\"eth0\",direction=\"ingress\"")) && atoi(v) == 13,
	      "handshakes: retransmits by role, zero windows and resets by direction", "wrong or missing");
	free(text);
	/* p50 of 6: rank 3, the third handshake, the first of (10, 25] ms. */
	check(ps_hs_quantile(w, 0.5) > 0.01 && ps_hs_quantile(w, 0.5) < 0.0151 &&
	      ps_hs_quantile(w, 0.99) == 10 && ps_hs_quantile(&c->role[PS_HS_CLIENT].cls[0], 0.5) < 0,
	      "handshakes: quantiles interpolate in their bucket, over the last bound is the last bound",
	      "p50 %g, p99 %g", ps_hs_quantile(w, 0.5), ps_hs_quantile(w, 0.99));
	len = 0;
	out = open_memstream(&json, &len);
	ps_snapshot_json(out, &s, NULL, false);
	fclose(out);
	check(strstr(json, "\"eth0\":{\"ifindex\":2,") &&
	      strstr(json, "\"handshakes\":{\"server\":{\"syn_retransmits\":0,\"by_port_class\":{\"well_known\":"
		     "{\"completed\":6,\"refused\":4,\"unanswered\":0,\"reset_after_synack\":0,"
		     "\"synack_unanswered\":0,\"latency\":{\"buckets\":{\"0.0001\":2,") &&
	      strstr(json, "\"+Inf\":1},\"count\":6,\"sum_ns\":12000000000}") &&
	      strstr(json, "\"by_port\":{\"8080\":{\"completed\":0,\"refused\":0,\"unanswered\":9,") &&
	      strstr(json, "\"zero_window\":{\"ingress\":0,\"egress\":11}"),
	      "handshakes: the JSON object per interface, by role, class and port", "%.300s",
	      strstr(json, "handshakes") ? strstr(json, "handshakes") : json);
	free(json);
	/* A run's own counts: less the base, the service ports kept. */
	base = *c;
	base.svc_port[0] = 0;
	ps_hs_add(&base, c);
	ps_hs_sub(&base, c);
	check(base.svc_port[0] == 8080 && !memcmp(&base.role, &c->role, sizeof(base.role)),
	      "handshakes: sum and difference word by word, the service ports kept", "mismatch");
}

static int parse(struct ps_config *c, enum ps_cmd cmd, int *first, ...)
{
	char *argv[32] = { "portsense" };
	int argc = 1, ret;
	va_list ap;
	FILE *saved = stderr;

	va_start(ap, first);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	stderr = fopen("/dev/null", "w");
	ret = ps_config_parse(c, cmd, argc, argv, first);
	fclose(stderr);
	stderr = saved;
	return ret;
}

static void test_options(const char *ini)
{
	struct ps_config c, next;
	size_t i, j, clash = 0;
	int first = 0, ret, n;

	/* Names unique; a letter unique among the options of one subcommand (capture's -c is not run's). */
	for (i = 0; i < ps_n_options; i++)
		for (j = 0; j < i; j++)
			clash += !strcmp(ps_options[i].name, ps_options[j].name) ||
				 (ps_options[i].key && ps_options[i].key == ps_options[j].key &&
				  (ps_options[i].cmds & ps_options[j].cmds));
	check(!clash, "options: names unique, letters unique per subcommand", "%zu clashes", clash);

	ret = parse(&c, PS_CMD_RUN, &first, "--hook", "tc", "--threshold", "syn_flood=5", "-d", "3",
		    "--holddown", "2.5", "--allow", "port_scan=198.18.0.0/15", "--no-egress", "eth0", NULL);
	check(!ret && c.attach.hook == PS_HOOK_TC && c.detect.syn_flood == 5 && c.duration == 3 &&
	      c.detect.holddown_ns == 2500000000ULL && c.allow.n == 1 && !c.attach.egress &&
	      first == 12, "options: a command line sets what it says", "ret %d, first %d", ret, first);
	ps_config_free(&c);
	ret = parse(&c, PS_CMD_STATS, &first, "--hook", "tc", NULL);
	ps_config_free(&c);
	check(ret == 2, "options: a subcommand refuses another's option", "ret %d", ret);
	ret = parse(&c, PS_CMD_RUN, &first, "--service-ports", "80, 8080", "--handshake-timeout", "3", NULL);
	check(!ret && c.svc_ports[0] == 80 && c.svc_ports[1] == 8080 && !c.svc_ports[2] &&
	      c.hs_timeout_ns == 3000000000ULL,
	      "options: --service-ports and --handshake-timeout", "ret %d", ret);
	ps_config_free(&c);
	n = parse(&c, PS_CMD_RUN, &first, "--service-ports", "80,80", NULL);
	ps_config_free(&c);
	n |= parse(&c, PS_CMD_RUN, &first, "--service-ports", "0", NULL) << 2;
	ps_config_free(&c);
	n |= parse(&c, PS_CMD_RUN, &first, "--service-ports", "1,2,3,4,5,6,7,8,9", NULL) << 4;
	ps_config_free(&c);
	n |= parse(&c, PS_CMD_RUN, &first, "--handshake-timeout", "0.5", NULL) << 6;
	ps_config_free(&c);
	check(n == (2 | 2 << 2 | 2 << 4 | 2 << 6),
	      "options: a port twice, port 0, nine ports, a timeout under 1 s: usage errors", "%#x", n);

	/* capture: its key, its -c (a count, not a config file), its default time. */
	ret = parse(&c, PS_CMD_CAPTURE, &first, "--src", "2001:db8::9", "--port", "443", "-c", "5",
		    "-w", "x.pcapng", NULL);
	check(!ret && c.cap_key.family == 6 && c.cap_key.port == 443 && c.cap_side == PS_CAP_SRC &&
	      c.cap_count == 5 && !c.config_file && c.cap_file && !strcmp(c.cap_file, "x.pcapng") &&
	      c.duration == 10 && ntohl(c.cap_key.addr[3]) == 9,
	      "options: capture --src ADDR --port N -c N -w FILE", "ret %d", ret);
	ps_config_free(&c);
	ret = parse(&c, PS_CMD_CAPTURE, &first, "--src", "198.18.0.9", "--dst", "198.18.0.1", NULL);
	ps_config_free(&c);
	check(ret == 2, "options: capture takes one address", "ret %d", ret);
	ret = parse(&c, PS_CMD_CAPTURE, &first, "--host", "198.18.0.300", NULL);
	ps_config_free(&c);
	check(ret == 2, "options: capture refuses a bad address", "ret %d", ret);

	/* The file, then the command line over it. */
	ret = parse(&c, PS_CMD_RUN, &first, "-c", ini, "--window", "2", NULL);
	check(!ret && c.attach.hook == PS_HOOK_TC && c.detect.window_ns == 2000000000ULL &&
	      c.detect.icmp_flood == 7 && c.pats.n == 2 && c.stats_json && c.bogons_file,
	      "options: the config file, the command line winning", "ret %d", ret);
	ret = parse(&next, PS_CMD_STATS, &first, "-c", ini, NULL);
	check(!ret && !strcmp(next.pin_path, "/sys/fs/bpf/ps-test-loader"),
	      "options: a subcommand takes its keys of the file and leaves the rest", "ret %d", ret);
	ps_config_free(&next);

	/* A reload: live settings go, restart-only ones stay and are named. */
	ret = parse(&next, PS_CMD_RUN, &first, "-c", ini, "--window", "3", "--hook", "xdp", "-d", "9", NULL);
	{
		FILE *saved = stderr;

		stderr = fopen("/dev/null", "w");
		n = ps_config_reconcile(&c, &next);
		fclose(stderr);
		stderr = saved;
	}
	check(!ret && n == 1 && next.attach.hook == PS_HOOK_TC && c.attach.hook == PS_HOOK_XDP &&
	      next.detect.window_ns == 3000000000ULL && next.duration == 9,
	      "options: a reload keeps --hook (named) and takes --window and --duration",
	      "ret %d, %d named", ret, n);
	ps_config_free(&c);
	ps_config_free(&next);
}

/* 1000 reloads' worth of parsing and freeing: the heap ends where it began. */
static void test_no_leak(const char *ini)
{
	struct ps_config c;
	struct mallinfo2 before, after;
	int k, first, ret = 0;

	/* Once first: what stays for the process's life (stdio buffers) is allocated. */
	ret |= parse(&c, PS_CMD_RUN, &first, "-c", ini, "--allow", "all=198.51.100.0/24", NULL);
	ps_config_free(&c);
	before = mallinfo2();
	for (k = 0; k < 1000; k++) {
		ret |= parse(&c, PS_CMD_RUN, &first, "-c", ini, "--allow", "all=198.51.100.0/24", NULL);
		ps_config_free(&c);
	}
	after = mallinfo2();
	check(!ret && after.uordblks == before.uordblks,
	      "options: 1000 parses of a config file with every kind of value leave the heap as it was",
	      "ret %d, %zu bytes in use before, %zu after", ret, before.uordblks, after.uordblks);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = NULL;
	long n;

	if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
	    (b = malloc(n + 1)) && fread(b, 1, n, f) == (size_t)n)
		*len = n;
	else
		free(b), b = NULL;
	if (f)
		fclose(f);
	return b;
}

/*
 * The frames pcapng_ref.py describes, written by user/pcapng.c as an
 * evidence file is (a Section Header, one Interface Description, an
 * Enhanced Packet per frame), equal byte for byte to scapy's file of them.
 */
static void test_pcapng(void)
{
	char dir[] = "/tmp/ps-test-pcapng-XXXXXX", cmd[8192], line[4096], app[128], ifname[32];
	char desc[64], ref[64], out[64], *root = realpath("/proc/self/exe", NULL), *slash;
	unsigned char data[2048], *a = NULL, *b = NULL;
	unsigned long long ts;
	size_t la = 0, lb = 0, i, n_frames = 0;
	unsigned int wire, snap;
	FILE *d = NULL, *f = NULL;
	int ret = -1, off;

	/* build/test_loader -> the tree's tests/pcapng_ref.py */
	for (i = 0; root && i < 2 && (slash = strrchr(root, '/')); i++)
		*slash = '\0';
	if (!root || !mkdtemp(dir))
		goto out;
	snprintf(desc, sizeof(desc), "%s/desc", dir);
	snprintf(ref, sizeof(ref), "%s/ref.pcapng", dir);
	snprintf(out, sizeof(out), "%s/ours.pcapng", dir);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/pcapng_ref.py %s %s", root, desc, ref);
	ret = system(cmd);
	d = ret ? NULL : fopen(desc, "r");
	f = fopen(out, "wb");
	if (!d || !f || !fgets(app, sizeof(app), d) || !fgets(line, sizeof(line), d) ||
	    sscanf(line, "%31s %u", ifname, &snap) != 2) {
		ret = -1;
		goto out;
	}
	app[strcspn(app, "\n")] = '\0';
	ret = ps_pcapng_shb(f, app) < 0 || ps_pcapng_idb(f, PS_LINKTYPE_ETHERNET, snap, ifname) < 0;
	while (!ret && fgets(line, sizeof(line), d)) {
		char *hex, *comment, c[256];
		size_t len = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llu %u %n", &ts, &wire, &off) != 2)
			break;
		hex = line + off;
		comment = strchr(hex, ' ');
		if (comment)
			*comment++ = '\0';
		while (hex[2 * len] && len < sizeof(data) && sscanf(hex + 2 * len, "%2hhx", &data[len]) == 1)
			len++;
		/* scapy ends a comment with a newline: so does this one. */
		if (comment)
			snprintf(c, sizeof(c), "%s\n", comment);
		ret = ps_pcapng_epb(f, 0, ts, data, len, wire, comment ? c : NULL) < 0;
		n_frames++;
	}
	ret |= fclose(f) != 0;
	f = NULL;
	a = slurp(out, &la);
	b = slurp(ref, &lb);
out:
	for (i = 0; a && b && i < la && i < lb && a[i] == b[i]; i++)
		;
	check(!ret && a && b && la == lb && i == la && n_frames == 4,
	      "pcapng: an evidence file equals scapy's (RawPcapNgWriter) byte for byte",
	      "%s: ret %d, %zu frames, %zu bytes vs scapy's %zu, first difference at byte %zu",
	      cmd, ret, n_frames, la, lb, i);
	if (d)
		fclose(d);
	if (f)
		fclose(f);
	free(a);
	free(b);
	free(root);
	if (!ret && a && b && la == lb && i == la) {
		unlink(desc), unlink(ref), unlink(out), rmdir(dir);
	}
}

/*
 * Two instances (one replacing the other) write into one evidence
 * directory and number their captures alike: a name taken gets a suffix,
 * the first file is left whole.
 */
static void test_evfile_names(void)
{
	char dir[] = "/tmp/ps-test-evfile-XXXXXX", path[PATH_MAX];
	struct ps_evdir a = { .max_bytes = 1 << 20, .version = "test", .global_fd = -1 };
	struct ps_evdir b = a;
	struct ps_evfile fa = {}, fb = {};
	struct stat st;
	bool made;
	int i;

	if (!mkdtemp(dir)) {
		check(0, "evidence: a name taken gets a suffix", "mkdtemp: %s", strerror(errno));
		return;
	}
	a.dir = b.dir = dir;
	made = !ps_evdir_open(&a) && !ps_evdir_open(&b);
	/* The same second for both, or no clash to test: retried a few times. */
	for (i = 0; made && i < 3; i++) {
		time_t t = time(NULL);

		made = ps_evfile_open(&a, &fa, "syn_flood", 1) && ps_evfile_open(&b, &fb, "syn_flood", 1);
		if (!made || time(NULL) == t)
			break;
		ps_evfile_close(&a, &fa);
		ps_evfile_close(&b, &fb);
		fa = fb = (struct ps_evfile){};
	}
	ps_evfile_close(&a, &fa);
	ps_evfile_close(&b, &fb);
	/* The first file holds its Section Header still: not truncated by the second. */
	snprintf(path, sizeof(path), "%s/%s", dir, fa.name);
	check(made && strcmp(fa.name, fb.name) && strlen(fb.name) > 9 &&
	      !strcmp(fb.name + strlen(fb.name) - 9, ".1.pcapng") && !strncmp(fa.name, fb.name, strlen(fa.name) - 7) &&
	      !stat(path, &st) && st.st_size > 0,
	      "evidence: a name another instance took gets a suffix; its file is left whole",
	      "made %d, names '%s' and '%s'", made, fa.name, fb.name);
	ps_evdir_free(&a);
	ps_evdir_free(&b);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		fprintf(stderr, "cannot remove %s\n", dir);
}

int main(int argc, char **argv)
{
	char ini[] = "/tmp/ps-test-loader-XXXXXX";
	int fd;
	FILE *f;

	/*
	 * mallinfo2() counts the chunks glibc keeps in its per-thread cache as
	 * in use: without the cache, bytes in use are the program's own.
	 */
	(void)argc;
	if (!getenv("GLIBC_TUNABLES")) {
		setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
		execv("/proc/self/exe", argv);
	}
	fd = mkstemp(ini);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		printf("not ok - loader: cannot write a config file\n");
		return 1;
	}
	fprintf(f, "[sensor]\nhook = tc\ninterfaces = eth*,!eth9\nmirror = mir0\npin-path = /sys/fs/bpf/ps-test-loader\n"
		"[output]\nstats-json = /tmp/ps-test-loader.json\nmetrics = 127.0.0.1:9662\n"
		"[detect]\nwindow = 1\n[threshold]\nicmp_flood = 7\n[allow]\nport_scan = 198.18.0.0/15, 2001:db8::/32\n"
		"[lists]\nbogons = /nonexistent/bogons\nbackdoor-ports = /nonexistent/ports\n"
		"[diagnosis]\nservice-ports = 443,8443\nhandshake-timeout = 5\n");
	fclose(f);
	test_fields();
	test_prom();
	test_handshakes();
	test_options(ini);
	test_no_leak(ini);
	test_pcapng();
	test_evfile_names();
	unlink(ini);
	return failures ? 1 : 0;
}
