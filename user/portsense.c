// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * portsense - an in-kernel network traffic sensor: this is its entry
 * point, which picks the subcommand and hands over to it.
 *
 *   portsense [OPTIONS] [IFACE...]		run.c
 *   portsense stats [--json] [--pin-path DIR]	stats.c
 *   portsense top [--interval SECS] [--pin-path DIR]	top.c
 *   portsense detach [--pin-path DIR] [IFACE...]	detach.c
 *
 * README.md's Layout table says which file does what.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>

#include "cmdline.h"
#include "fields.h"
#include "host.h"
#include "run.h"
#include "subcmds.h"
#include "top.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int libbpf_print_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

int main(int argc, char **argv)
{
	enum ps_cmd cmd = argc > 1 ? ps_cmd_of(argv[1]) : PS_CMD_RUN;
	struct ps_config cfg;
	int first, ret;

	if (cmd != PS_CMD_RUN) {
		argv++;
		argc--;
	}
	ret = ps_config_parse(&cfg, cmd, argc, argv, &first);
	if (ret)
		goto out;
	ret = 1;
	if (!ps_fields())
		goto out;
	libbpf_set_print(cfg.verbose ? libbpf_print : libbpf_print_quiet);
	switch (cmd) {
	case PS_CMD_STATS:
		ret = first < argc ? ps_usage_error("'portsense stats' takes no interface") :
		      ps_cmd_stats(&cfg);
		break;
	case PS_CMD_TOP: {
		struct ps_top_opts o = {
			.pin_path = cfg.pin_path,
			.interval = cfg.interval > 0 ? cfg.interval : 1,
			.duration = cfg.duration,
		};

		if (first < argc)
			ret = ps_usage_error("'portsense top' takes no interface");
		else
			ret = ps_check_caps() ? 1 : ps_top(&o);
		break;
	}
	case PS_CMD_DETACH:
		ret = ps_cmd_detach(&cfg, argv + first, argc - first);
		break;
	case PS_CMD_CAPTURE:
		ret = ps_cmd_capture(&cfg, argv + first, argc - first);
		break;
	default:
		ret = ps_run(&cfg, argv + first, argc - first, argc, argv);
		break;
	}
out:
	ps_config_free(&cfg);
	return ret;
}
