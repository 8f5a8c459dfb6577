/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * options.h - the settings of a run and the one table of the options that
 * make them.
 *
 * Each option is one entry of ps_options[] (options.c): its names, its
 * value, its help, its config file key, the subcommands that take it,
 * what it sets and whether a reload (SIGHUP) can change it.  From that
 * table cmdline.c makes the getopt parser of each subcommand, --help,
 * the config file's keys, and the comparison of a reloaded configuration
 * with the running one; tests/test_cli.sh checks the man page against it.
 */
#ifndef PS_OPTIONS_H
#define PS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "portsense.h"
#include "attach.h"
#include "metrics.h"
#include "patterns.h"

#define PS_PIN_PATH_DEFAULT "/sys/fs/bpf/portsense"

enum ps_cmd { PS_CMD_RUN, PS_CMD_STATS, PS_CMD_TOP, PS_CMD_DETACH, PS_CMD_CAPTURE, PS_CMD_MAX };

/* 'portsense capture': the frames of its key's address, from it, to it, or either way. */
enum ps_cap_side { PS_CAP_EITHER, PS_CAP_SRC, PS_CAP_DST };

enum ps_output { PS_OUT_AUTO, PS_OUT_TEXT, PS_OUT_JSON, PS_OUT_SYSLOG };

/* --allow entries, merged per prefix when the map is filled. */
struct ps_allow_entry {
	struct ps_lpm_key key;
	__u32 alerts;		/* bit (1 << enum ps_alert) */
};

struct ps_allow {
	struct ps_allow_entry *v;
	size_t n;
};

/*
 * One configuration, whole: every string in it is its own (freed by
 * ps_config_free()), so a reload builds a second one beside the running
 * one and nothing is patched in place.
 */
struct ps_config {
	enum ps_cmd cmd;
	struct ps_attach_opts attach;	/* hook, mode, egress, tc */
	double duration;		/* seconds, 0 = until signalled */
	double interval;		/* seconds between reports, 0 = none */
	enum ps_output output;
	char *stats_json;		/* final snapshot, "-" = stdout; NULL: none */
	char *pin_path;
	unsigned int max_ifaces;
	struct ps_detect_cfg detect;	/* BPF .data: a reload rewrites it */
	__u32 enabled;			/* BPF rodata ps_enabled: 1 << enum ps_alert */
	struct ps_patterns pats;	/* --interfaces */
	struct ps_patterns mirror;	/* --mirror */
	char *bogons_file;		/* NULL: the defaults */
	char *backdoor_file;		/* NULL: the installed data file */
	char *amp_file;			/* NULL: the installed data file */
	struct ps_metrics_addr metrics;	/* --metrics; port 0: none */
	struct ps_allow allow;		/* --allow */
	char *evidence;			/* --evidence DIR; NULL: no captures of alerts */
	unsigned int evidence_max_mb;	/* DIR's size, at most */
	struct ps_capkey cap_key;	/* capture: --host/--src/--dst ADDR, --port N */
	enum ps_cap_side cap_side;
	unsigned int cap_count;		/* capture -c: frames, at most */
	char *cap_file;			/* capture -w: NULL or "-": stdout */
	char *config_file;		/* -c, read before the command line */
	__u16 svc_ports[PS_HS_SVC_PORTS]; /* --service-ports, 0: unused places (BPF rodata) */
	__u64 hs_timeout_ns;		/* --handshake-timeout: the sweep's */
	bool verbose;
	bool json;			/* stats --json */
	bool replace;			/* --replace: take over a running instance (handover.h) */
	bool background;		/* --background: go on in a child once counting */
};

/* How an option's value is kept: shown as its default, compared on reload. */
enum ps_val {
	PS_V_NONE,		/* an action (--help) or a part of a bigger value */
	PS_V_INT,		/* an enum, from a list of words */
	PS_V_UINT,		/* unsigned int */
	PS_V_U32,
	PS_V_SECS,		/* double, seconds */
	PS_V_NS,		/* __u64 nanoseconds, given in seconds */
	PS_V_BOOL,
	PS_V_STR,		/* char *, owned */
	PS_V_PATTERNS,		/* struct ps_patterns */
	PS_V_ALLOW,		/* struct ps_allow */
	PS_V_METRICS,		/* struct ps_metrics_addr */
	PS_V_BYTES,		/* compared as bytes */
};

/* A word an option takes, and the value it stands for. */
struct ps_choice {
	const char *word;
	int value;
};

struct ps_option {
	const char *name;	/* --NAME, and the key in the config file */
	char key;		/* -KEY, or 0 */
	const char *arg;	/* the value in --help ("SECS", "xdp|tc"); NULL: a flag */
	const char *help;	/* --help's text, '\n' between lines */
	const char *section;	/* its [section] in the config file; NULL: not there */
	bool per_line;		/* the section's lines are NAME = V, each --NAME NAME=V */
	bool file_only;		/* a config file key with no option of its own */
	unsigned int cmds;	/* the subcommands that take it: 1 << enum ps_cmd */
	int (*set)(struct ps_config *c, const struct ps_option *o, const char *arg);
	enum ps_val val;	/* what it sets ... */
	size_t off, size;	/* ... where in struct ps_config */
	bool live;		/* a reload applies it (else: at the next start) */
	bool show_default;	/* --help says "(default ...)" */
	double min, max;	/* numbers: the range taken */
	const char *needs;	/* the usage error: "--NAME needs ..." */
	const struct ps_choice *choices;
	int n_choices;
};

extern const struct ps_option ps_options[];
extern const size_t ps_n_options;

/* The usage error: "portsense: [FILE:LINE: ]MESSAGE" and the hint; returns 2. */
int ps_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Set by cmdline.c while the config file is applied: "FILE:LINE", else NULL. */
extern const char *ps_opt_where;

#endif /* PS_OPTIONS_H */
