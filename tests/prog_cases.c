// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * prog_cases.c - test_prog's crafted frames: each a pktbuild.h description
 * and the counters (prog_cases.h's notation) the whole frame must leave.
 * Grouped by the layer whose rule a case pins down, edges included; the
 * cuts of each frame need no case of their own (prog_want.c derives them).
 */
#include "prog_cases.h"

/* The default ports of pktbuild.h: 50000 (dynamic) to 80 or 53. */
#define TCP4 "l3.ipv4 tcp tcp.ipv4_packets tcp.dst.well_known tcp.src.dynamic"
#define UDP4 "l3.ipv4 udp udp.ipv4_packets udp.dst.well_known udp.src.dynamic"
#define TCP6 "l3.ipv6 tcp tcp.ipv6_packets tcp.dst.well_known tcp.src.dynamic"
#define UDP6 "l3.ipv6 udp udp.ipv6_packets udp.dst.well_known udp.src.dynamic"
#define TCP4P "l3.ipv4 tcp tcp.ipv4_packets "	/* ports spelled out */
#define VLAN " extras.vlan_tagged_frames"
#define MALFORMED4 "l3.ipv4 extras.l3_malformed"

/* 40 option bytes of NOP: the longest IPv4 header. */
#define NOP40 "01010101010101010101010101010101010101010101010101010101010101010101010101010101"

const struct tcase prog_cases[] = {
	/* Link layer. */
	{ "eth lldp 0x88cc", "eth:type=0x88cc data:n=46", "l3.other" },
	{ "eth 802.3 length 0x0026", "eth:type=0x0026 data:n=38", "l3.other" },
	{ "arp request", "arp:op=1", "l3.arp arp.request" },
	{ "arp reply", "arp:op=2", "l3.arp arp.reply" },
	{ "rarp opcode 3", "eth:type=0x8035 arp:op=3", "l3.arp" },
	{ "vlan 8100 arp reply", "vlan arp:op=2", "l3.arp arp.reply" VLAN },
	{ "vlan 8100 ipv4 tcp", "vlan ipv4 tcp", TCP4 VLAN },
	{ "vlan 88a8 8100 ipv4 tcp", "vlan:tpid=0x88a8 vlan ipv4 tcp", TCP4 VLAN },
	{ "vlan 9100 8100 ipv4 tcp", "vlan:tpid=0x9100 vlan ipv4 tcp", TCP4 VLAN },
	{ "vlan 88a8 ipv6 udp", "vlan:tpid=0x88a8 ipv6 udp", UDP6 VLAN },
	{ "vlan 88a8 8100 8100 ipv4 tcp", "vlan:tpid=0x88a8 vlan vlan ipv4 tcp",
	  "l3.other extras.vlan_tagged_frames extras.frames_over_2_vlan_tags" },

	/* TCP flags, IPv4, 50000 -> 80. */
	{ "ipv4 tcp ack", "ipv4 tcp:flags=0x010", TCP4 },
	{ "ipv4 tcp syn", "ipv4 tcp:flags=0x002", TCP4 " tcp.syn_noack" },
	{ "ipv4 tcp syn ece cwr", "ipv4 tcp:flags=0x0c2", TCP4 " tcp.syn_noack" },
	{ "ipv4 tcp syn ack", "ipv4 tcp:flags=0x012", TCP4 " tcp.synack" },
	{ "ipv4 tcp rst", "ipv4 tcp:flags=0x004", TCP4 " tcp.rst" },
	{ "ipv4 tcp rst ack", "ipv4 tcp:flags=0x014", TCP4 " tcp.rst" },
	{ "ipv4 tcp fin ack", "ipv4 tcp:flags=0x011", TCP4 " tcp.fin" },
	{ "ipv4 tcp null", "ipv4 tcp:flags=0x000",
	  TCP4 " tcp.null tcp.null_all_bits_zero" },
	{ "ipv4 tcp ns only", "ipv4 tcp:flags=0x100", TCP4 " tcp.null" },
	{ "ipv4 tcp ece cwr only", "ipv4 tcp:flags=0x0c0", TCP4 " tcp.null" },
	{ "ipv4 tcp xmas", "ipv4 tcp:flags=0x029",
	  TCP4 " tcp.xmas tcp.xmas_exact tcp.fin" },
	{ "ipv4 tcp xmas syn", "ipv4 tcp:flags=0x02b",
	  TCP4 " tcp.xmas tcp.fin tcp.syn_noack tcp.syn_fin" },
	{ "ipv4 tcp xmas ack", "ipv4 tcp:flags=0x039", TCP4 " tcp.xmas tcp.fin" },
	{ "ipv4 tcp syn fin", "ipv4 tcp:flags=0x003",
	  TCP4 " tcp.syn_noack tcp.syn_fin tcp.fin" },

	/* Port classes at their edges: destination, then source. */
	{ "ipv4 tcp dport 0", "ipv4 tcp:dport=0",
	  TCP4P "tcp.dst.well_known tcp.src.dynamic" },
	{ "ipv4 tcp dport 1023", "ipv4 tcp:dport=1023",
	  TCP4P "tcp.dst.well_known tcp.src.dynamic" },
	{ "ipv4 tcp dport 1024", "ipv4 tcp:dport=1024",
	  TCP4P "tcp.dst.registered tcp.src.dynamic" },
	{ "ipv4 tcp dport 49151", "ipv4 tcp:dport=49151",
	  TCP4P "tcp.dst.registered tcp.src.dynamic" },
	{ "ipv4 tcp dport 49152", "ipv4 tcp:dport=49152",
	  TCP4P "tcp.dst.dynamic tcp.src.dynamic" },
	{ "ipv4 tcp dport 65535", "ipv4 tcp:dport=65535",
	  TCP4P "tcp.dst.dynamic tcp.src.dynamic" },
	{ "ipv4 tcp sport 0", "ipv4 tcp:sport=0",
	  TCP4P "tcp.dst.well_known tcp.src.well_known" },
	{ "ipv4 tcp sport 1023", "ipv4 tcp:sport=1023",
	  TCP4P "tcp.dst.well_known tcp.src.well_known" },
	{ "ipv4 tcp sport 1024", "ipv4 tcp:sport=1024",
	  TCP4P "tcp.dst.well_known tcp.src.registered" },
	{ "ipv4 tcp sport 49151", "ipv4 tcp:sport=49151",
	  TCP4P "tcp.dst.well_known tcp.src.registered" },
	{ "ipv4 tcp sport 49152", "ipv4 tcp:sport=49152",
	  TCP4P "tcp.dst.well_known tcp.src.dynamic" },
	{ "ipv4 tcp sport 65535", "ipv4 tcp:sport=65535",
	  TCP4P "tcp.dst.well_known tcp.src.dynamic" },

	/* UDP and ICMP over IPv4. */
	{ "ipv4 udp", "ipv4 udp", UDP4 },
	{ "ipv4 udp 53 to 49152", "ipv4 udp:sport=53,dport=49152",
	  "l3.ipv4 udp udp.ipv4_packets udp.dst.dynamic udp.src.well_known" },
	{ "ipv4 icmp echo request", "ipv4 icmp:type=8",
	  "l3.ipv4 icmp.packets icmp.echo_request" },
	{ "ipv4 icmp echo reply", "ipv4 icmp:type=0",
	  "l3.ipv4 icmp.packets icmp.echo_reply" },
	{ "ipv4 icmp unreachable", "ipv4 icmp:type=3 ipv4 udp", "l3.ipv4 icmp.packets" },
	{ "ipv4 proto 58 not icmp", "ipv4:proto=58 icmp6", "l3.ipv4" },

	/* IPv4 options. */
	{ "ipv4 opt router alert", "ipv4:opt=94040000 tcp", TCP4 },
	{ "ipv4 opt nop nop eol", "ipv4:opt=01010000 tcp", TCP4 },
	{ "ipv4 opt 40 nop", "ipv4:opt=" NOP40 " tcp", TCP4 },
	{ "ipv4 opt record route len 3", "ipv4:opt=07030400 tcp", TCP4 },
	{ "ipv4 opt security len 2", "ipv4:opt=82020000 tcp", MALFORMED4 },
	{ "ipv4 opt security len 2 mf", "ipv4:opt=82020000,frag=0x2000 tcp",
	  MALFORMED4 " ipv4_fragments" },
	{ "ipv4 opt timestamp len 3", "ipv4:opt=44030000 tcp", MALFORMED4 },
	{ "ipv4 opt router alert then timestamp len 3",
	  "ipv4:opt=9404000044030000 tcp", MALFORMED4 },
	{ "ipv4 opt len 0", "ipv4:opt=44000000 tcp", TCP4 },
	{ "ipv4 opt len past header", "ipv4:opt=44080000 tcp", TCP4 },
	/*
	 * The kernel checks options before reassembly (ip_rcv_options()), so
	 * a later fragment's header is as malformed or incomplete as any.
	 */
	{ "ipv4 later fragment opt router alert",
	  "ipv4:opt=94040000,frag=0x0003 data:n=24", "l3.ipv4 ipv4_fragments" },
	{ "ipv4 later fragment opt security len 2",
	  "ipv4:opt=82020000,frag=0x0003 data:n=24",
	  MALFORMED4 " ipv4_fragments" },

	/* IPv4 fragments and length fields. */
	{ "ipv4 first fragment tcp", "ipv4:frag=0x2000 tcp data:n=32",
	  TCP4 " ipv4_fragments" },
	{ "ipv4 first fragment 8 tcp bytes", "ipv4:frag=0x2000,len=28 tcp",
	  "l3.ipv4 ipv4_fragments tcp.header_incomplete" },
	{ "ipv4 later fragment", "ipv4:frag=0x0005 tcp data:n=20",
	  "l3.ipv4 ipv4_fragments" },
	{ "ipv4 middle fragment", "ipv4:frag=0x2005 tcp data:n=20",
	  "l3.ipv4 ipv4_fragments" },
	{ "ipv4 version 5", "ipv4:ver=5 tcp", MALFORMED4 },
	{ "ipv4 ihl 4", "ipv4:ihl=4 tcp", MALFORMED4 },
	{ "ipv4 tot_len 19", "ipv4:len=19 tcp", MALFORMED4 },
	{ "ipv4 ihl 6 tot_len 22", "ipv4:opt=94040000,len=22 tcp", MALFORMED4 },
	{ "ipv4 tot_len = ihl*4 proto tcp", "ipv4:len=20 tcp", "l3.ipv4" },
	{ "ipv4 tot_len 0 tso", "ipv4:len=0 tcp data:n=100", TCP4 },
	{ "ipv4 src eq dst", "ipv4:same=1 tcp", TCP4 " extras.ipv4_src_eq_dst" },
	{ "ipv4 land tcp", "ipv4:same=1 tcp:sport=139,dport=139",
	  TCP4P "tcp.dst.well_known tcp.src.well_known"
	  " extras.ipv4_src_eq_dst extras.land" },
	{ "ipv4 land udp", "ipv4:same=1 udp:sport=5353,dport=5353",
	  "l3.ipv4 udp udp.ipv4_packets udp.dst.registered udp.src.registered"
	  " extras.ipv4_src_eq_dst extras.land" },
	/* No L4 header, so no ports: never LAND (the ports would read 0 = 0). */
	{ "ipv4 land-looking later fragment", "ipv4:same=1,frag=0x0005 data:n=20",
	  "l3.ipv4 ipv4_fragments extras.ipv4_src_eq_dst" },
	{ "ipv4 land-looking tot_len = ihl*4", "ipv4:same=1,len=20 tcp",
	  "l3.ipv4 extras.ipv4_src_eq_dst" },
	{ "ipv4 src eq dst icmp", "ipv4:same=1 icmp",
	  "l3.ipv4 icmp.packets icmp.echo_request extras.ipv4_src_eq_dst" },
	{ "ipv4 gre", "ipv4:proto=47 data:n=24", "l3.ipv4" },
	{ "ipv4 in ipv4", "ipv4 ipv4 tcp", "l3.ipv4" },
	{ "ipv4 udp padded to 60", "ipv4 udp pad:to=60", UDP4 },
	{ "ipv4 syn 13 tcp bytes then padding", "ipv4:len=33 tcp:flags=0x002 pad:to=87",
	  "l3.ipv4 tcp.header_incomplete" },
	{ "ipv4 udp 4 bytes then padding", "ipv4:len=24 udp pad:to=60",
	  "l3.ipv4 udp.header_incomplete" },
	{ "ipv4 tcp doff 4", "ipv4 tcp:doff=4", "l3.ipv4 tcp.header_incomplete" },
	{ "ipv4 tcp doff 15", "ipv4 tcp:doff=15", TCP4 },
	{ "ipv4 udp 1514 bytes", "ipv4 udp data:n=1472", UDP4 },
	{ "ipv4 udp 1600 bytes", "ipv4 udp data:n=1558",
	  UDP4 " extras.frames_over_1514" },
	{ "ipv4 udp 9000 bytes multi-buffer", "ipv4 udp data:n=8958",
	  UDP4 " extras.frames_over_1514" },

	/* IPv6. */
	{ "ipv6 tcp", "ipv6 tcp", TCP6 },
	{ "ipv6 tcp syn dport 65535", "ipv6 tcp:flags=0x002,dport=65535",
	  "l3.ipv6 tcp tcp.ipv6_packets tcp.dst.dynamic tcp.src.dynamic tcp.syn_noack" },
	{ "ipv6 udp", "ipv6 udp", UDP6 },
	{ "ipv6 icmpv6 echo request", "ipv6 icmp6:type=128",
	  "l3.ipv6 icmpv6.packets icmpv6.echo_request" },
	{ "ipv6 icmpv6 echo reply", "ipv6 icmp6:type=129",
	  "l3.ipv6 icmpv6.packets icmpv6.echo_reply" },
	{ "ipv6 icmpv6 neighbour solicitation", "ipv6 icmp6:type=135",
	  "l3.ipv6 icmpv6.packets" },
	{ "ipv6 next header 1 not icmpv6", "ipv6:nh=1 icmp", "l3.ipv6" },
	{ "ipv6 hbh udp", "ipv6 hbh udp", UDP6 },
	{ "ipv6 rt udp", "ipv6 rt udp", UDP6 },
	{ "ipv6 dstopt icmpv6", "ipv6 dstopt icmp6",
	  "l3.ipv6 icmpv6.packets icmpv6.echo_request" },
	{ "ipv6 hbh rt udp", "ipv6 hbh rt udp", UDP6 },
	{ "ipv6 first fragment udp", "ipv6 frag6:off=0,m=1 udp data:n=16",
	  UDP6 " ipv6_fragments" },
	{ "ipv6 atomic fragment udp", "ipv6 frag6 udp", UDP6 " ipv6_fragments" },
	{ "ipv6 later fragment", "ipv6 frag6:off=185 udp",
	  "l3.ipv6 ipv6_fragments" },
	{ "ipv6 hbh later fragment", "ipv6 hbh frag6:off=3,m=1 data:n=24",
	  "l3.ipv6 ipv6_fragments" },
	{ "ipv6 ah tcp", "ipv6 ah tcp", TCP6 },
	{ "ipv6 8 dstopt udp",
	  "ipv6 dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt udp", UDP6 },
	{ "ipv6 9 dstopt udp",
	  "ipv6 dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt dstopt udp",
	  "l3.ipv6" },
	{ "ipv6 version 4", "ipv6:ver=4 udp", "l3.ipv6 extras.l3_malformed" },
	{ "ipv6 plen shorter than hbh", "ipv6:plen=4 hbh udp", "l3.ipv6" },
	{ "ipv6 plen leaves 4 udp bytes", "ipv6:plen=4 udp pad:to=64",
	  "l3.ipv6 udp.header_incomplete" },
	{ "ipv6 plen leaves 13 tcp bytes", "ipv6:plen=13 tcp",
	  "l3.ipv6 tcp.header_incomplete" },
};

const size_t prog_ncases = sizeof(prog_cases) / sizeof(prog_cases[0]);
