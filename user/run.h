/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* run.h - 'portsense [OPTIONS] [IFACE...]', the sensor's run. */
#ifndef PS_RUN_H
#define PS_RUN_H

#include "options.h"

/*
 * Attach to @names (none: the default route's interface, unless
 * --interfaces) and run until SIGINT/SIGTERM or --duration.  @argc/@argv
 * are parsed again on SIGHUP; @cfg is the configuration they gave, and is
 * replaced by a reload.  Returns the exit status.
 */
int ps_run(struct ps_config *cfg, char **names, int n_names, int argc, char **argv);

#endif /* PS_RUN_H */
