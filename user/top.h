/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* top.h - 'portsense top', a live terminal view read from the pins. */
#ifndef PS_TOP_H
#define PS_TOP_H

struct ps_top_opts {
	const char *pin_path;
	double interval;	/* seconds between frames, > 0 */
	double duration;	/* seconds, 0 = until SIGINT/SIGTERM */
};

/* Runs until a signal or @duration: 0, or 1 after a message. */
int ps_top(const struct ps_top_opts *o);

#endif /* PS_TOP_H */
