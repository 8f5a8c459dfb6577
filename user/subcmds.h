/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * subcmds.h - the subcommands that work on an instance's pins: 'stats'
 * (stats.c) and 'detach' (detach.c); 'top' is top.h's.  Each returns the
 * exit status.
 */
#ifndef PS_SUBCMDS_H
#define PS_SUBCMDS_H

#include "options.h"

int ps_cmd_stats(const struct ps_config *cfg);
int ps_cmd_detach(const struct ps_config *cfg, char **names, int n);

#endif /* PS_SUBCMDS_H */
