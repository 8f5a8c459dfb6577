// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * catalogue.c - the alert catalogue: stable ids, severities, what each rule
 * is and what likely caused it, and each detector's thresholds and their
 * defaults (from the settings' list), for --list-alerts, the options and
 * the alert lines.
 */
#include <stddef.h>
#include <string.h>

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
	[PS_ALERT_SERVICE_REFUSING] = {
		.id = "service_refusing", .severity = PS_SEV_HIGH, .scan_window = true,
		.what = "a service of this host that completed handshakes before refused --threshold service_refusing of them (RST out) within --scan-window, at least service_refusing_pct percent of its handshakes there",
		.why = "nothing listens on the port any more (the service stopped, crashed or is restarting), or its accept queue overflows with net.ipv4.tcp_abort_on_overflow=1; its clients fail",
	},
};

/* The thresholds of struct ps_detect_cfg, from its list (include/portsense.h). */
#define KNOB_T(type, m, dflt)
#define KNOB_K(m, dflt, lo, hi, a, w) \
	{ #m, offsetof(struct ps_detect_cfg, m), lo, hi, dflt, a, w },
const struct ps_knob ps_knobs[] = { PS_DETECT_CFG_LIST(KNOB_T, KNOB_K) };
const size_t ps_n_knobs = sizeof(ps_knobs) / sizeof(ps_knobs[0]);

const char *const ps_severity_names[PS_SEV_CRITICAL + 1] = {
	[PS_SEV_LOW] = "low", [PS_SEV_MEDIUM] = "medium",
	[PS_SEV_HIGH] = "high", [PS_SEV_CRITICAL] = "critical",
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

		fprintf(f, "%-20s %-9s %s\n%31s%s\n", a->id, ps_severity_names[a->severity],
			a->what, "", a->why);
		for (k = 0; k < ps_n_knobs; k++)
			knobs |= ps_knobs[k].alert == (enum ps_alert)i;
		if (knobs)
			defaults_line(f, i);
	}
}
