/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * subcmds.h - the subcommands that work on an instance's pins: 'stats'
 * (stats.c), 'detach' (detach.c) and 'capture' (capture.c); 'top' is
 * top.h's.  Each returns the
 * exit status.
 */
#ifndef PS_SUBCMDS_H
#define PS_SUBCMDS_H

#include "options.h"

int ps_cmd_stats(const struct ps_config *cfg);
int ps_cmd_detach(const struct ps_config *cfg, char **names, int n);
int ps_cmd_capture(const struct ps_config *cfg, char **names, int n);

#endif /* PS_SUBCMDS_H */
