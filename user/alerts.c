// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * alerts.c - the text, JSON and syslog lines of the events the detectors
 * send (the catalogue of what they mean is catalogue.c's).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "alerts.h"

/* The "kind" field: detail as a word, per alert (NULL: none). */
static const char *const scan_kinds[PS_SCAN_KIND_MAX] = {
	[PS_SCAN_SYN] = "syn", [PS_SCAN_CONNECT] = "connect", [PS_SCAN_FIN] = "fin",
	[PS_SCAN_NULL] = "null", [PS_SCAN_XMAS] = "xmas", [PS_SCAN_ACK] = "ack",
	[PS_SCAN_MAIMON] = "maimon", [PS_SCAN_UDP] = "udp", [PS_SCAN_PING] = "ping",
};

static const char *const tcp_invalid_kinds[] = {
	[PS_TCPINV_NULL] = "null", [PS_TCPINV_XMAS] = "xmas",
	[PS_TCPINV_SYN_FIN] = "syn_fin", [PS_TCPINV_SYN_RST] = "syn_rst",
};

#define PICK(tab, i) ((i) < sizeof(tab) / sizeof((tab)[0]) ? (tab)[i] : NULL)

static const char *kind_name(const struct ps_event *e)
{
	static const char *const backdoor[] = { [PS_BACKDOOR_PROBE] = "probe",
						[PS_BACKDOOR_LISTENING] = "listening" };
	static const char *const smurf[] = { [PS_SMURF_VICTIM] = "victim",
					     [PS_SMURF_AMPLIFIER] = "amplifier" };
	static const char *const synflood[] = { [PS_SYNFLOOD_ONE_PORT] = "one_port",
						[PS_SYNFLOOD_MANY_PORTS] = "many_ports" };
	static const char *const backscatter[] = { [PS_BACKSCATTER_SYNACK] = "syn_ack",
						   [PS_BACKSCATTER_RST] = "rst" };
	static const char *const arp[] = { [PS_ARPSPOOF_MAC_CHANGE] = "mac_change",
					   [PS_ARPSPOOF_REPLY_FLOOD] = "reply_flood",
					   [PS_ARPSPOOF_ND_MAC_CHANGE] = "nd_mac_change",
					   [PS_ARPSPOOF_ND_ADVERT_FLOOD] = "nd_advert_flood" };

	switch (e->alert) {
	case PS_ALERT_INVALID_TCP_FLAGS: return PICK(tcp_invalid_kinds, e->detail);
	case PS_ALERT_BACKDOOR_PORT: return PICK(backdoor, e->detail);
	case PS_ALERT_SMURF: return PICK(smurf, e->detail);
	case PS_ALERT_SYN_FLOOD: return PICK(synflood, e->detail);
	case PS_ALERT_BACKSCATTER: return PICK(backscatter, e->detail);
	case PS_ALERT_PORT_SCAN:
	case PS_ALERT_HOST_SWEEP: return PICK(scan_kinds, e->detail);
	case PS_ALERT_ARP_SPOOF: return PICK(arp, e->detail);
	default: return NULL;
	}
}

static const char *const tcp_invalid_names[] = {
	[PS_TCPINV_NULL] = "NULL (no flags)",
	[PS_TCPINV_XMAS] = "XMAS (FIN+PSH+URG)",
	[PS_TCPINV_SYN_FIN] = "SYN+FIN",
	[PS_TCPINV_SYN_RST] = "SYN+RST",
};

static const char *proto_name(const struct ps_event *e)
{
	/* An ARP frame has no IP protocol; NDP is ICMPv6 and says so. */
	if (e->alert == PS_ALERT_ARP_SPOOF && e->family == 4)
		return "arp";
	switch (e->proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	default: return "ip";
	}
}

/*
 * Everything that came off the wire or from the kernel is escaped before it
 * is printed: no control byte reaches a terminal or a log (log injection).
 * @json: JSON string escapes; else C-style.
 */
static void put_escaped(FILE *f, const char *s, bool json)
{
	const unsigned char *c;

	for (c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			fprintf(f, json ? "\\u%04x" : "\\x%02x", *c);
		else
			fputc(*c, f);
	}
}

/* Wall-clock time of a CLOCK_MONOTONIC stamp, as RFC 3339 UTC. */
static void iso_time(char *buf, size_t len, __u64 mono_ns)
{
	struct timespec mono, real;
	__u64 now, ago;
	time_t sec;
	long usec;
	struct tm tm;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	/* Unsigned: a stamp past 2^63 must not overflow (a later one is now). */
	now = (__u64)mono.tv_sec * 1000000000 + mono.tv_nsec;
	ago = now > mono_ns ? now - mono_ns : 0;
	sec = real.tv_sec - ago / 1000000000;
	usec = real.tv_nsec / 1000 - (ago % 1000000000) / 1000;
	if (usec < 0) {
		usec += 1000000;
		sec--;
	}
	gmtime_r(&sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%06ldZ", usec);
}

static void detail_text(char *buf, size_t len, const struct ps_event *e)
{
	switch (e->alert) {
	case PS_ALERT_LAND:
		snprintf(buf, len, "source == destination%s",
			 e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP ?
			 " and source port == destination port" : "");
		break;
	case PS_ALERT_PING_OF_DEATH:
		snprintf(buf, len, "%s fragment reaching %u bytes when reassembled",
			 e->family == 6 ? "IPv6" : "IPv4", e->frag_end);
		break;
	case PS_ALERT_BOGON_SOURCE:
		snprintf(buf, len, "source address in the bogon list");
		break;
	case PS_ALERT_BACKDOOR_PORT:
		if (e->detail == PS_BACKDOOR_LISTENING)
			snprintf(buf, len, "this host accepts TCP connections on port %u, known for backdoors",
				 e->sport);
		else
			snprintf(buf, len, "connection attempt to TCP port %u, known for backdoors",
				 e->dport);
		break;
	case PS_ALERT_ICMP_FLOOD:
		snprintf(buf, len, "%llu echo requests in %llu ms", (unsigned long long)e->count,
			 (unsigned long long)(e->window_ns / 1000000));
		break;
	case PS_ALERT_RST_FLOOD:
		snprintf(buf, len, "%llu TCP RSTs in %llu ms", (unsigned long long)e->count,
			 (unsigned long long)(e->window_ns / 1000000));
		break;
	case PS_ALERT_SMURF:
		if (e->detail == PS_SMURF_AMPLIFIER)
			snprintf(buf, len, "%llu echo requests to a broadcast/multicast address in %llu ms",
				 (unsigned long long)e->count,
				 (unsigned long long)(e->window_ns / 1000000));
		else
			snprintf(buf, len, "%llu echo replies in %llu ms to a host that sent %llu requests",
				 (unsigned long long)e->count,
				 (unsigned long long)(e->window_ns / 1000000),
				 (unsigned long long)e->aux);
		break;
	case PS_ALERT_FRAGGLE:
		snprintf(buf, len, "UDP to port %u (%s) at a broadcast/multicast address", e->dport,
			 e->dport == 7 ? "echo" : "chargen");
		break;
	case PS_ALERT_INVALID_TCP_FLAGS:
		snprintf(buf, len, "TCP %s, flags 0x%03x",
			 e->detail < sizeof(tcp_invalid_names) / sizeof(tcp_invalid_names[0]) &&
			 tcp_invalid_names[e->detail] ? tcp_invalid_names[e->detail] : "invalid",
			 e->tcp_flags & 0x1ff);
		break;
	case PS_ALERT_SYN_FLOOD:
		snprintf(buf, len, "%llu SYNs in %llu ms %s, %llu handshakes completed, %llu SYN-ACKs sent",
			 (unsigned long long)e->count, (unsigned long long)(e->window_ns / 1000000),
			 e->detail == PS_SYNFLOOD_MANY_PORTS ? "spread over many ports" : "to one port",
			 (unsigned long long)e->aux, (unsigned long long)e->aux2);
		break;
	case PS_ALERT_HALF_OPEN:
		snprintf(buf, len, "%llu SYN-ACKs sent from port %u in %llu ms, %llu completed",
			 (unsigned long long)e->count, e->sport,
			 (unsigned long long)(e->window_ns / 1000000), (unsigned long long)e->aux);
		break;
	case PS_ALERT_SERVICE_REFUSING:
		snprintf(buf, len, "port %u refused %llu handshakes in %g s, %llu completed there; it completed %llu before",
			 e->sport, (unsigned long long)e->count, e->window_ns / 1e9,
			 (unsigned long long)e->aux, (unsigned long long)e->aux2);
		break;
	case PS_ALERT_BACKSCATTER:
		snprintf(buf, len, "%llu unsolicited SYN-ACKs/RSTs in %llu ms (this one a %s)",
			 (unsigned long long)e->count, (unsigned long long)(e->window_ns / 1000000),
			 e->detail == PS_BACKSCATTER_RST ? "RST answering a SYN" : "SYN-ACK");
		break;
	case PS_ALERT_PORT_SCAN:
	case PS_ALERT_HOST_SWEEP: {
		const char *k = PICK(scan_kinds, e->detail);

		snprintf(buf, len, "%s scan: %llu distinct %s within %g s; the host refused %llu and accepted %llu",
			 k ? k : "unknown", (unsigned long long)e->count,
			 e->alert == PS_ALERT_PORT_SCAN ? "ports" : "hosts",
			 e->window_ns / 1e9,
			 (unsigned long long)e->aux, (unsigned long long)e->aux2);
		break;
	}
	case PS_ALERT_UDP_AMPLIFICATION:
		snprintf(buf, len, "%llu UDP responses (%llu bytes) from port %u and others in %llu ms; the host sent %llu requests",
			 (unsigned long long)e->count, (unsigned long long)e->aux2, e->sport,
			 (unsigned long long)(e->window_ns / 1000000), (unsigned long long)e->aux);
		break;
	case PS_ALERT_ARP_SPOOF: {
		const __u8 *m = e->mac, *o = e->old_mac;

		if (e->detail == PS_ARPSPOOF_REPLY_FLOOD || e->detail == PS_ARPSPOOF_ND_ADVERT_FLOOD)
			snprintf(buf, len, "%llu %s in %llu ms, %llu %s sent",
				 (unsigned long long)e->count,
				 e->detail == PS_ARPSPOOF_REPLY_FLOOD ? "ARP replies" : "neighbour adverts",
				 (unsigned long long)(e->window_ns / 1000000),
				 (unsigned long long)e->aux,
				 e->detail == PS_ARPSPOOF_REPLY_FLOOD ? "requests" : "solicitations");
		else
			snprintf(buf, len, "%s binding moved from %02x:%02x:%02x:%02x:%02x:%02x to %02x:%02x:%02x:%02x:%02x:%02x",
				 e->detail == PS_ARPSPOOF_ND_MAC_CHANGE ? "NDP" : "ARP",
				 o[0], o[1], o[2], o[3], o[4], o[5], m[0], m[1], m[2], m[3], m[4], m[5]);
		break;
	}
	default:
		buf[0] = '\0';
	}
}

/*
 * What the handshakes behind an alert say about its cause (seed 001's
 * table, docs/diagnosis.md): did this host answer the SYNs (SYN-ACK out),
 * refuse them (RST out) or stay silent?  False when the alert has none.
 */
static bool diagnosis_text(char *buf, size_t len, const struct ps_event *e, bool no_egress)
{
	unsigned long long n = e->count, done = e->aux, answered = e->aux2;

	switch (e->alert) {
	case PS_ALERT_SYN_FLOOD:
		if (no_egress)
			snprintf(buf, len, "whether this host answered is unknown: its egress is not watched (--no-egress)");
		else if (!answered)
			snprintf(buf, len, "this host answered none of the %llu SYNs (no SYN-ACK out): the service is down, its listen queue is full and drops them, or a firewall drops them before the stack",
				 n);
		else if (answered * 2 < n)
			snprintf(buf, len, "this host answered only %llu of %llu SYNs with a SYN-ACK and %llu completed: its listen queue overflows (backlog full, SYN cookies off) or the service stalls",
				 answered, n, done);
		else
			snprintf(buf, len, "this host answered %llu of %llu SYNs with a SYN-ACK (SYN cookies or a deep queue keep up) but only %llu completed: the sources do not finish, as spoofed ones never do",
				 answered, n, done);
		return true;
	case PS_ALERT_HALF_OPEN:
		snprintf(buf, len, "this host answered all %llu with a SYN-ACK (the service is up) and %llu completed: the clients never ACK, as spoofed sources do; a SYN scan resets instead (outcome reset_after_synack), a path dropping the ACKs looks alike",
			 n, done);
		return true;
	case PS_ALERT_SERVICE_REFUSING:
		/* Here aux2 is what the service completed in the windows before. */
		snprintf(buf, len, "port %u answered %llu SYNs with RST after %llu completed handshakes: nothing listens there now (stopped, crashed, restarting) or its accept queue is full with tcp_abort_on_overflow; check 'ss -ltn sport = :%u'",
			 e->sport, n, done + (unsigned long long)e->aux2, e->sport);
		return true;
	default:
		return false;
	}
}

/* An alert's syslog priority: the severity, on syslog's scale. */
static const int severity_prio[] = {
	[PS_SEV_LOW] = LOG_NOTICE,
	[PS_SEV_MEDIUM] = LOG_WARNING,
	[PS_SEV_HIGH] = LOG_ERR,
	[PS_SEV_CRITICAL] = LOG_CRIT,
};

/*
 * One line to syslog(3) at @id's severity: @render writes it to a memory
 * stream with the explanation left out.
 */
static int to_syslog(struct ps_alert_out *o, __u32 id,
		     int (*render)(struct ps_alert_out *, const void *), const void *arg)
{
	struct ps_alert_out line = *o;
	char *buf = NULL;
	size_t len = 0;

	line.f = open_memstream(&buf, &len);
	if (!line.f)
		return 0;
	line.syslog = false;
	line.oneline = true;
	render(&line, arg);
	fclose(line.f);
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	syslog(severity_prio[ps_alert_catalogue[id].severity], "%s", buf);
	free(buf);
	o->printed++;
	return 0;
}

static int render_alert(struct ps_alert_out *o, const void *e)
{
	return ps_alert_print(o, e, sizeof(struct ps_event));
}

static int render_summary(struct ps_alert_out *o, const void *sum)
{
	return ps_alert_print_summary(o, sum);
}

/* ,"evidence":"FILE" (or null) in JSON, " evidence FILE" in text: @e's capture's. */
static void evidence_field(struct ps_alert_out *o, const struct ps_event *e)
{
	const char *file;

	if (!o->evidence)
		return;
	file = o->evidence(o->evidence_ctx, e->cap, e->alert);
	if (o->json) {
		if (!*file) {
			fputs(",\"evidence\":null", o->f);
			return;
		}
		fputs(",\"evidence\":\"", o->f);
		put_escaped(o->f, file, true);
		fputc('"', o->f);
	} else if (*file) {
		fputs(" evidence ", o->f);
		put_escaped(o->f, file, false);
	}
}

/* How every JSON line ends: ,"node":"N"[,"evidence":...]} */
static void json_end(struct ps_alert_out *o, const struct ps_event *e)
{
	fputs(",\"node\":\"", o->f);
	put_escaped(o->f, o->node, true);
	fputc('"', o->f);
	evidence_field(o, e);
	fputs("}\n", o->f);
}

int ps_alert_print(struct ps_alert_out *o, const void *data, size_t size)
{
	const struct ps_event *e = data;
	const struct ps_alert_info *a;
	char ts[64], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char ifname[IF_NAMESIZE], detail[192], diag[320];
	const char *kind;
	unsigned long long count, window_ms;
	int af;
	bool ports, diagnosed;

	/* A short or unknown record is dropped, never half printed. */
	if (size < sizeof(*e) || e->alert >= PS_ALERT_MAX)
		return 0;
	if (o->syslog)
		return to_syslog(o, e->alert, render_alert, e);
	/*
	 * Rate detectors: packets in the window that crossed the threshold.
	 * Per-packet ones: packets since the previous alert for the key, over
	 * (at most) the hold-down period.
	 */
	if (e->window_ns) {
		count = e->count;
		window_ms = e->window_ns / 1000000;
	} else {
		count = e->count + e->suppressed;
		window_ms = e->holddown_ns / 1000000;
	}
	a = &ps_alert_catalogue[e->alert];
	af = e->family == 6 ? AF_INET6 : AF_INET;
	inet_ntop(af, e->saddr, src, sizeof(src));
	inet_ntop(af, e->daddr, dst, sizeof(dst));
	if (!if_indextoname(e->ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "if%u", e->ifindex);
	iso_time(ts, sizeof(ts), e->ts_ns);
	detail_text(detail, sizeof(detail), e);
	diagnosed = diagnosis_text(diag, sizeof(diag), e, o->no_egress);
	ports = e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP;
	kind = kind_name(e);

	if (o->json) {
		fprintf(o->f, "{\"timestamp\":\"%s\",\"event\":\"alert\",\"alert\":\"%s\","
			"\"severity\":\"%s\",\"ifname\":\"", ts, a->id,
			ps_severity_names[a->severity]);
		put_escaped(o->f, ifname, true);
		fprintf(o->f, "\",\"direction\":\"%s\",\"proto\":\"%s\",\"src_ip\":\"%s\","
			"\"dst_ip\":\"%s\",", e->dir ? "egress" : "ingress",
			proto_name(e), src, dst);
		if (ports)
			fprintf(o->f, "\"src_port\":%u,\"dst_port\":%u,", e->sport, e->dport);
		else
			fputs("\"src_port\":null,\"dst_port\":null,", o->f);
		fprintf(o->f, "\"count\":%llu,\"suppressed\":%u,\"window_ms\":%llu,\"detail\":\"",
			count, e->suppressed, window_ms);
		put_escaped(o->f, detail, true);
		if (kind)
			fprintf(o->f, "\",\"kind\":\"%s\",", kind);
		else
			fputs("\",\"kind\":null,", o->f);
		fputs("\"explanation\":\"", o->f);
		put_escaped(o->f, a->why, true);
		if (diagnosed) {
			fputs("\",\"diagnosis\":\"", o->f);
			put_escaped(o->f, diag, true);
		}
		fputc('"', o->f);
		json_end(o, e);
	} else {
		fprintf(o->f, "%s ALERT %s [%s] ", ts, a->id, ps_severity_names[a->severity]);
		put_escaped(o->f, ifname, false);
		if (ports)
			fprintf(o->f, " %s %s %s:%u -> %s:%u", e->dir ? "out" : "in",
				proto_name(e), src, e->sport, dst, e->dport);
		else
			fprintf(o->f, " %s %s %s -> %s", e->dir ? "out" : "in",
				proto_name(e), src, dst);
		fprintf(o->f, ": %s", detail);
		if (e->suppressed)
			fprintf(o->f, " (+%u held down in the last %llus)", e->suppressed,
				(unsigned long long)(e->holddown_ns / 1000000000));
		evidence_field(o, e);
		if (o->oneline)
			fputc('\n', o->f);
		else
			fprintf(o->f, "\n    likely: %s\n", a->why);
		if (diagnosed && !o->oneline)
			fprintf(o->f, "    diagnosis: %s\n", diag);
	}
	fflush(o->f);
	o->printed++;
	return 0;
}

int ps_alert_print_summary(struct ps_alert_out *o, const struct ps_alert_summary *sum)
{
	const struct ps_event *e = sum->open;
	const struct ps_alert_info *a;
	char ts[64], victim[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE], sources[32];
	struct timespec now;
	int i;

	if (e->alert >= PS_ALERT_MAX)
		return 0;
	if (o->syslog)
		return to_syslog(o, e->alert, render_summary, sum);
	a = &ps_alert_catalogue[e->alert];
	/* The victim: this host's end, the destination in, the source out. */
	inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->dir ? e->saddr : e->daddr, victim,
		  sizeof(victim));
	if (!if_indextoname(e->ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "if%u", e->ifindex);
	clock_gettime(CLOCK_MONOTONIC, &now);
	iso_time(ts, sizeof(ts), (__u64)now.tv_sec * 1000000000 + now.tv_nsec);
	snprintf(sources, sizeof(sources), "%s%llu", sum->sources_exact ? "" : "~",
		 (unsigned long long)sum->sources);
	if (o->json) {
		fprintf(o->f, "{\"timestamp\":\"%s\",\"event\":\"alert_summary\",\"alert\":\"%s\","
			"\"severity\":\"%s\",\"ifname\":\"", ts, a->id, ps_severity_names[a->severity]);
		put_escaped(o->f, ifname, true);
		fprintf(o->f, "\",\"direction\":\"%s\",\"proto\":\"%s\",\"victim\":\"%s\","
			"\"count\":%llu,\"window_ms\":%llu,\"sources\":%llu,\"sources_estimated\":%s,"
			"\"samples\":[", e->dir ? "egress" : "ingress",
			proto_name(e), victim, (unsigned long long)sum->packets,
			(unsigned long long)sum->ms, (unsigned long long)sum->sources,
			sum->sources_exact ? "false" : "true");
		for (i = 0; i < sum->n_samples; i++)
			fprintf(o->f, "%s\"%s\"", i ? "," : "", sum->samples[i]);
		fputc(']', o->f);
		json_end(o, e);
	} else {
		fprintf(o->f, "%s SUMMARY %s [%s] ", ts, a->id, ps_severity_names[a->severity]);
		put_escaped(o->f, ifname, false);
		fprintf(o->f, " %s %s -> %s: %llu packets from %s sources in %.1f s, e.g.",
			e->dir ? "out" : "in", proto_name(e), victim,
			(unsigned long long)sum->packets, sources, sum->ms / 1e3);
		for (i = 0; i < sum->n_samples; i++)
			fprintf(o->f, " %s", sum->samples[i]);
		evidence_field(o, e);
		fputc('\n', o->f);
	}
	fflush(o->f);
	o->printed++;
	return 0;
}
