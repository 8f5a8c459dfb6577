// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * pcapcount - the smallest useful libpcap sensor, for make bench: capture
 * on IFACE with tcpdump's defaults (snapshot 262144 bytes, 2 MiB buffer,
 * the kernel's TPACKET_V3 ring) and count frames and bytes by IP version,
 * the least a counting tool does.  It stands for the users who would
 * write their own counter on libpcap instead of running portsense.
 *
 *   pcapcount IFACE     runs until SIGINT/SIGTERM, then prints
 *                       captured= recv= drop= ifdrop= (pcap_stats)
 */
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static pcap_t *pc;
static unsigned long long frames, bytes, ipv4, ipv6;

static void on_signal(int sig)
{
	(void)sig;
	pcap_breakloop(pc);
}

static void count(u_char *user, const struct pcap_pkthdr *h, const u_char *b)
{
	(void)user;
	frames++;
	bytes += h->len;
	if (h->caplen >= 14) {
		unsigned type = b[12] << 8 | b[13];

		ipv4 += type == 0x0800;
		ipv6 += type == 0x86dd;
	}
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_stat st = {};
	struct sigaction sa;
	int ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: pcapcount IFACE\n");
		return 2;
	}
	pc = pcap_create(argv[1], err);
	if (!pc) {
		fprintf(stderr, "pcapcount: %s\n", err);
		return 1;
	}
	if (pcap_set_snaplen(pc, 262144) || pcap_set_buffer_size(pc, 2 << 20) ||
	    pcap_set_timeout(pc, 1000) || pcap_activate(pc) < 0) {
		fprintf(stderr, "pcapcount: %s: %s\n", argv[1], pcap_geterr(pc));
		goto out;
	}
	/* No SA_RESTART: the blocking poll must return to see the break. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "pcapcount: listening on %s\n", argv[1]);
	if (pcap_loop(pc, -1, count, NULL) == PCAP_ERROR) {
		fprintf(stderr, "pcapcount: %s\n", pcap_geterr(pc));
		goto out;
	}
	if (pcap_stats(pc, &st)) {
		fprintf(stderr, "pcapcount: %s\n", pcap_geterr(pc));
		goto out;
	}
	printf("captured=%llu bytes=%llu ipv4=%llu ipv6=%llu recv=%u drop=%u ifdrop=%u\n",
	       frames, bytes, ipv4, ipv6, st.ps_recv, st.ps_drop, st.ps_ifdrop);
	ret = 0;
out:
	pcap_close(pc);
	return ret;
}
