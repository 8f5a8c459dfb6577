// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * alerts.c - the alert catalogue (ids, severities, rules, thresholds) and
 * the text, JSON and syslog lines of the events the detectors send.
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
#include "lists.h"

const struct ps_alert_info ps_alert_catalogue[PS_ALERT_MAX] = {
	[PS_ALERT_LAND] = {
		.id = "land", .severity = PS_SEV_HIGH,
		.what = "source address equals destination (and, for TCP/UDP, source port equals destination port)",
		.why = "a LAND attack: the packet makes an old stack answer itself in a loop; no real host sends it",
	},
	[PS_ALERT_INVALID_TCP_FLAGS] = {
		.id = "invalid_tcp_flags", .severity = PS_SEV_MEDIUM,
		.what = "TCP flags no stack sends: NULL, XMAS (FIN+PSH+URG), SYN+FIN or SYN+RST",
		.why = "a stealth scan (nmap -sN/-sX), firewall or IDS evasion, or OS fingerprinting",
	},
	[PS_ALERT_PING_OF_DEATH] = {
		.id = "ping_of_death", .severity = PS_SEV_HIGH,
		.what = "an IP fragment that would reassemble past 65535 bytes (IPv4 and IPv6)",
		.why = "the oversized-fragment attack that overflows reassembly buffers; no stack sends it",
	},
	[PS_ALERT_BOGON_SOURCE] = {
		.id = "bogon_source", .severity = PS_SEV_MEDIUM,
		.what = "a source address from the bogon list (--bogons)",
		.why = "a spoofed source (floods, reflection) or a misconfigured or leaking route",
	},
	[PS_ALERT_BACKDOOR_PORT] = {
		.id = "backdoor_port", .severity = PS_SEV_HIGH,
		.what = "a TCP SYN to, or a SYN-ACK from, a port known for backdoors and trojans (data/backdoor-ports.txt)",
		.why = "someone looking for an installed backdoor, or (SYN-ACK out) one listening on this host",
	},
	[PS_ALERT_ICMP_FLOOD] = {
		.id = "icmp_flood", .severity = PS_SEV_HIGH,
		.what = "ICMP/ICMPv6 echo requests to one host at or above --threshold icmp_flood per window",
		.why = "a ping flood (hping3 --flood, ping -f) exhausting the link or the host's CPU",
	},
	[PS_ALERT_RST_FLOOD] = {
		.id = "rst_flood", .severity = PS_SEV_HIGH,
		.what = "TCP RSTs to one host at or above --threshold rst_flood per window",
		.why = "an RST flood tearing down or probing connections, or backscatter of a flood spoofing this host",
	},
	[PS_ALERT_SMURF] = {
		.id = "smurf", .severity = PS_SEV_HIGH,
		.what = "echo replies flooding a host that sent (almost) no requests, or echo requests to a broadcast/multicast address",
		.why = "a Smurf attack: requests with the victim's address sent to a broadcast address make every host reply to it",
	},
	[PS_ALERT_FRAGGLE] = {
		.id = "fraggle", .severity = PS_SEV_HIGH,
		.what = "UDP to echo (7) or chargen (19) at a broadcast or multicast address",
		.why = "a Fraggle attack: the UDP variant of Smurf, amplified by echo/chargen servers on the segment",
	},
	[PS_ALERT_SYN_FLOOD] = {
		.id = "syn_flood", .severity = PS_SEV_CRITICAL,
		.what = "TCP SYNs to one address and port (or spread over its ports) at or above --threshold syn_flood per window, fewer than a quarter of the handshakes completed",
		.why = "a SYN flood filling the listen queue, usually from spoofed sources; a real load spike completes its handshakes",
	},
	[PS_ALERT_HALF_OPEN] = {
		.id = "half_open", .severity = PS_SEV_HIGH,
		.what = "this host sent --threshold half_open SYN-ACKs per window from one port and fewer than half were completed by the client's ACK",
		.why = "a SYN flood this host answers (spoofed sources never ACK), SYN scans (-sS resets instead), or clients whose ACKs a firewall or broken path drops",
	},
	[PS_ALERT_BACKSCATTER] = {
		.id = "backscatter", .severity = PS_SEV_MEDIUM,
		.what = "SYN-ACKs, or RSTs answering a SYN, for connections this host never opened, at or above --threshold backscatter per window",
		.why = "someone floods a third party with this host's address as the spoofed source; the victim's answers land here",
	},
	[PS_ALERT_PORT_SCAN] = {
		.id = "port_scan", .severity = PS_SEV_HIGH, .scan_window = true,
		.what = "one source probed --threshold scan_ports distinct ports within --scan-window, fewer than half accepted; typed syn, connect, fin, null, xmas, ack, maimon or udp",
		.why = "a vertical port scan (nmap, masscan) mapping the services of this host; refusals (RST, ICMP unreachable) from the host confirm it",
	},
	[PS_ALERT_HOST_SWEEP] = {
		.id = "host_sweep", .severity = PS_SEV_MEDIUM, .scan_window = true,
		.what = "one source probed --threshold sweep_hosts distinct addresses within --scan-window, fewer than half accepted",
		.why = "a horizontal scan or ping sweep (nmap -sn, masscan) looking for live hosts or one service; monitoring systems and load balancers look alike: allow-list them",
	},
	[PS_ALERT_UDP_AMPLIFICATION] = {
		.id = "udp_amplification", .severity = PS_SEV_CRITICAL,
		.what = "UDP from amplifier ports (DNS, NTP, SSDP, memcached, ...) to one host at or above --threshold amp_packets and amp_bytes per window, over ten times the requests it sent",
		.why = "a reflection/amplification DDoS: spoofed requests with this host's address make open servers flood it with large answers",
	},
	[PS_ALERT_ARP_SPOOF] = {
		.id = "arp_spoof", .severity = PS_SEV_HIGH,
		.what = "an address whose MAC binding changes (ARP, NDP), or ARP replies (NDP adverts) at or above --threshold arp_replies per window, over ten times the requests (solicitations) sent",
		.why = "ARP/NDP cache poisoning for a man-in-the-middle (arpspoof, ettercap), or a failover or replaced NIC (then once)",
	},
};

/* The thresholds of struct ps_detect_cfg, from its list (include/portsense.h). */
#define KNOB_T(type, m, dflt)
#define KNOB_K(m, dflt, lo, hi, a, w) \
	{ #m, offsetof(struct ps_detect_cfg, m), lo, hi, dflt, a, w },
const struct ps_knob ps_knobs[] = { PS_DETECT_CFG_LIST(KNOB_T, KNOB_K) };
const size_t ps_n_knobs = sizeof(ps_knobs) / sizeof(ps_knobs[0]);

static const char *const severity_names[] = {
	[PS_SEV_LOW] = "low", [PS_SEV_MEDIUM] = "medium",
	[PS_SEV_HIGH] = "high", [PS_SEV_CRITICAL] = "critical",
};

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

int ps_alert_find(const char *id)
{
	int i;

	for (i = 0; i < PS_ALERT_MAX; i++)
		if (!strcmp(ps_alert_catalogue[i].id, id))
			return i;
	return -1;
}

/* "defaults: NAME=N, ..., window W s" for alert @a, from the settings' list. */
static void defaults_line(FILE *f, int a)
{
	static const struct ps_detect_cfg d = PS_DETECT_CFG_DEFAULT;
	static const char *const bogons[] = { PS_BOGONS_DEFAULT };
	const char *sep = "";
	size_t k;

	fprintf(f, "%31sdefaults: ", "");
	if (a == PS_ALERT_BOGON_SOURCE) {
		for (k = 0; k < sizeof(bogons) / sizeof(bogons[0]); k++)
			fprintf(f, "%s%s", k ? " " : "", bogons[k]);
		fputc('\n', f);
		return;
	}
	for (k = 0; k < ps_n_knobs; k++) {
		if (ps_knobs[k].alert != (enum ps_alert)a)
			continue;
		fprintf(f, "%s%s=%lu", sep, ps_knobs[k].name, ps_knobs[k].dflt);
		sep = ", ";
	}
	fprintf(f, "%s%s %g s\n", sep, ps_alert_catalogue[a].scan_window ? "scan window" : "window",
		(ps_alert_catalogue[a].scan_window ? d.scan_window_ns : d.window_ns) / 1e9);
}

void ps_alerts_list(FILE *f)
{
	size_t k;
	int i;

	fprintf(f, "%-20s %-9s %s\n", "ALERT", "SEVERITY", "RULE / LIKELY CAUSE");
	for (i = 0; i < PS_ALERT_MAX; i++) {
		const struct ps_alert_info *a = &ps_alert_catalogue[i];
		bool knobs = i == PS_ALERT_BOGON_SOURCE;

		fprintf(f, "%-20s %-9s %s\n%31s%s\n", a->id, severity_names[a->severity],
			a->what, "", a->why);
		for (k = 0; k < ps_n_knobs; k++)
			knobs |= ps_knobs[k].alert == (enum ps_alert)i;
		if (knobs)
			defaults_line(f, i);
	}
}

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

/* An alert's syslog priority: the severity, on syslog's scale. */
static const int severity_prio[] = {
	[PS_SEV_LOW] = LOG_NOTICE,
	[PS_SEV_MEDIUM] = LOG_WARNING,
	[PS_SEV_HIGH] = LOG_ERR,
	[PS_SEV_CRITICAL] = LOG_CRIT,
};

static int print_syslog(struct ps_alert_out *o, const void *data, size_t size)
{
	const struct ps_event *e = data;
	struct ps_alert_out line = *o;
	char *buf = NULL;
	size_t len = 0;

	if (size < sizeof(*e) || e->alert >= PS_ALERT_MAX)
		return 0;
	line.f = open_memstream(&buf, &len);
	if (!line.f)
		return 0;
	line.syslog = false;
	line.oneline = true;
	ps_alert_print(&line, data, size);
	fclose(line.f);
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	syslog(severity_prio[ps_alert_catalogue[e->alert].severity], "%s", buf);
	free(buf);
	o->printed++;
	return 0;
}

int ps_alert_print(struct ps_alert_out *o, const void *data, size_t size)
{
	const struct ps_event *e = data;
	const struct ps_alert_info *a;
	char ts[64], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char ifname[IF_NAMESIZE], detail[192];
	const char *kind;
	unsigned long long count, window_ms;
	int af;
	bool ports;

	if (o->syslog)
		return print_syslog(o, data, size);
	/* A short or unknown record is dropped, never half printed. */
	if (size < sizeof(*e) || e->alert >= PS_ALERT_MAX)
		return 0;
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
	ports = e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP;
	kind = kind_name(e);

	if (o->json) {
		fprintf(o->f, "{\"timestamp\":\"%s\",\"event\":\"alert\",\"alert\":\"%s\","
			"\"severity\":\"%s\",\"ifname\":\"", ts, a->id,
			severity_names[a->severity]);
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
		fputs("\",\"node\":\"", o->f);
		put_escaped(o->f, o->node, true);
		fputs("\"}\n", o->f);
	} else {
		fprintf(o->f, "%s ALERT %s [%s] ", ts, a->id, severity_names[a->severity]);
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
		if (o->oneline)
			fputc('\n', o->f);
		else
			fprintf(o->f, "\n    likely: %s\n", a->why);
	}
	fflush(o->f);
	o->printed++;
	return 0;
}
