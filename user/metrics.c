// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * metrics.c - /metrics and /healthz over libmicrohttpd (metrics.h says
 * how the work is split between its thread and the run loop).
 *
 * A scrape renders into memory first and hands the buffer to the server:
 * the maps are read in one go, never while a slow client holds the
 * connection, and a client that goes away only frees a buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <microhttpd.h>

#include "mapstats.h"
#include "metrics.h"
#include "prom.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define MAX_CONNECTIONS 32
#define CONNECTION_TIMEOUT_S 10

struct ps_metrics {
	struct MHD_Daemon *daemon;
	struct ps_snapshot_maps maps;
	struct ps_mapstats *stats;
	struct ps_prog_ids ids;			/* what an attachment must show */
	char version[32];
	unsigned int slots_max;			/* interfaces ps_stats can count */
	double start_time;			/* CLOCK_REALTIME, seconds */
	__u64 inserts_base[PS_G_MAX];		/* ps_global when we started */

	pthread_mutex_t lock;			/* guards what follows */
	struct ps_iface *ifs;
	int n_ifs;
	__u64 alerts[PS_ALERT_MAX];
	__u64 reloads[2];			/* failed, ok */
	struct timespec polled;			/* CLOCK_MONOTONIC; 0: never */
	__u64 evictions_shown[PS_PROM_LRU_MAPS]; /* derived counters never go back */
	bool standby;				/* a --replace successor is starting */
};

/* ---------------------------------------------------------------- parsing */

int ps_metrics_parse_addr(const char *arg, struct ps_metrics_addr *a,
			  char *why, size_t why_len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_s, *colon;
	unsigned long port;
	char *end;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (!*arg) {
		snprintf(why, why_len, "needs ADDR:PORT, [IPV6]:PORT or PORT, not an empty value");
		return -EINVAL;
	}
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close) {
			snprintf(why, why_len, "'%s': no ']' after the IPv6 address", arg);
			return -EINVAL;
		}
		if (close[1] != ':') {
			snprintf(why, why_len, "'%s': the port must follow the address: [IPV6]:PORT", arg);
			return -EINVAL;
		}
		hlen = close - arg - 1;
		if (hlen >= sizeof(host)) {
			snprintf(why, why_len, "'%s': not an IPv6 address", arg);
			return -EINVAL;
		}
		memcpy(host, arg + 1, hlen);
		host[hlen] = '\0';
		port_s = close + 2;
	} else if ((colon = strrchr(arg, ':'))) {
		if (strchr(arg, ':') != colon) {
			snprintf(why, why_len, "'%s': put an IPv6 address in brackets, as in [::1]:%d",
				 arg, PS_METRICS_PORT_DEFAULT);
			return -EINVAL;
		}
		hlen = colon - arg;
		if (hlen >= sizeof(host)) {
			snprintf(why, why_len, "'%s': not an IPv4 address", arg);
			return -EINVAL;
		}
		memcpy(host, arg, hlen);
		host[hlen] = '\0';
		port_s = colon + 1;
	} else if (strchr(arg, '.')) {
		snprintf(why, why_len, "'%s': no port: ADDR:PORT, as in %s:%d", arg, arg,
			 PS_METRICS_PORT_DEFAULT);
		return -EINVAL;
	} else {
		host[0] = '\0';
		port_s = arg;
	}

	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || *port_s == '-' || *port_s == '+' ||
	    port < 1 || port > 65535) {
		snprintf(why, why_len, "'%s': the port must be 1..65535, not '%s'", arg, port_s);
		return -EINVAL;
	}
	a->port = port;
	/* No address: loopback, so nothing is exposed unless asked for. */
	if (!host[0] && arg[0] != '[')
		snprintf(host, sizeof(host), "127.0.0.1");

	if (arg[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			snprintf(why, why_len, "'%s': '%s' is not a numeric IPv6 address", arg, host);
			return -EINVAL;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		a->len = sizeof(*s6);
		snprintf(a->text, sizeof(a->text), "[%s]:%lu", host, port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			snprintf(why, why_len, "'%s': '%s' is not a numeric IPv4 address (IPv6: [ADDR]:PORT)",
				 arg, host);
			return -EINVAL;
		}
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		a->len = sizeof(*s4);
		snprintf(a->text, sizeof(a->text), "%s:%lu", host, port);
	}
	return 0;
}

/* ------------------------------------------------------ the run loop's API */

void ps_metrics_set_ifaces(struct ps_metrics *m, const struct ps_iface *ifs, int n)
{
	struct ps_iface *copy = NULL;

	if (!m)
		return;
	if (n > 0) {
		copy = calloc(n, sizeof(*copy));
		if (!copy)
			n = 0;	/* /healthz says "nothing attached": better than a lie */
		else
			memcpy(copy, ifs, n * sizeof(*copy));
	}
	pthread_mutex_lock(&m->lock);
	free(m->ifs);
	m->ifs = copy;
	m->n_ifs = n > 0 ? n : 0;
	/* The run loop polls right after attaching: healthy from here on. */
	if (!m->polled.tv_sec && !m->polled.tv_nsec)
		clock_gettime(CLOCK_MONOTONIC, &m->polled);
	pthread_mutex_unlock(&m->lock);
}

void ps_metrics_alert(struct ps_metrics *m, const struct ps_event *e)
{
	if (!m || e->alert >= PS_ALERT_MAX)
		return;
	pthread_mutex_lock(&m->lock);
	m->alerts[e->alert]++;
	pthread_mutex_unlock(&m->lock);
}

void ps_metrics_reload(struct ps_metrics *m, bool ok)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->reloads[ok]++;
	pthread_mutex_unlock(&m->lock);
}

void ps_metrics_standby(struct ps_metrics *m, bool on)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->standby = on;
	pthread_mutex_unlock(&m->lock);
}

void ps_metrics_polled(struct ps_metrics *m)
{
	struct timespec now;

	if (!m)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&m->lock);
	m->polled = now;
	pthread_mutex_unlock(&m->lock);
}

/* ---------------------------------------------------------- a scrape */

static void ifname_of(const struct ps_iface *ifc, char *buf)
{
	if (!if_indextoname(ifc->ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "%s", ifc->name);
}

/*
 * The run loop's interfaces, copied out of the lock: the checks talk to
 * the kernel and must not hold up the run loop.
 */
static int ifaces_copy(struct ps_metrics *m, struct ps_iface **out, struct timespec *polled)
{
	int n;

	pthread_mutex_lock(&m->lock);
	n = m->n_ifs;
	*out = n ? calloc(n, sizeof(**out)) : NULL;
	if (*out)
		memcpy(*out, m->ifs, n * sizeof(**out));
	else
		n = 0;
	*polled = m->polled;
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* What portsense attached, checked against the kernel now; 3 rows an interface at most. */
static int attachments(struct ps_metrics *m, struct ps_prom_attach **out)
{
	struct ps_prom_attach *a;
	struct ps_iface *ifs;
	struct timespec polled;
	bool xdp, tc_in, tc_out;
	int n, i, k = 0;

	n = ifaces_copy(m, &ifs, &polled);
	a = calloc(3 * n + 1, sizeof(*a));
	for (i = 0; a && i < n; i++) {
		ps_attach_check(&ifs[i], &m->ids, &xdp, &tc_in, &tc_out);
		if (ifs[i].xdp_fd >= 0) {
			a[k] = (struct ps_prom_attach){ .direction = "ingress", .hook = "xdp",
				.mode = ps_mode_name(ifs[i].xdp_flags), .attached = xdp };
			ifname_of(&ifs[i], a[k++].ifname);
		}
		if (ifs[i].tc_in) {
			a[k] = (struct ps_prom_attach){ .direction = "ingress", .hook = "tc",
				.mode = ps_tc_mode_name(&ifs[i], false), .attached = tc_in };
			ifname_of(&ifs[i], a[k++].ifname);
		}
		if (ifs[i].tc_out) {
			a[k] = (struct ps_prom_attach){ .direction = "egress", .hook = "tc",
				.mode = ps_tc_mode_name(&ifs[i], true), .attached = tc_out };
			ifname_of(&ifs[i], a[k++].ifname);
		}
	}
	free(ifs);
	*out = a;
	return a ? k : 0;
}

static double now_s(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* The whole /metrics text into a malloc'ed buffer; NULL on failure. */
static char *render(struct ps_metrics *m, size_t *len)
{
	double t0 = now_s(CLOCK_MONOTONIC);
	int n_maps = ps_mapstats_maps(m->stats), i;
	struct ps_prom_map maps[n_maps > 0 ? n_maps : 1];
	struct ps_prom_prog progs[8];
	__u64 alerts[PS_ALERT_MAX], evictions[PS_PROM_LRU_MAPS];
	struct ps_prom_input in = {
		.alerts = alerts, .version = m->version, .libbpf = libbpf_version_string(),
		.libmicrohttpd = MHD_get_version(), .start_time = m->start_time,
		.maps = maps, .n_maps = n_maps, .lru_evictions = evictions,
		.slots_max = m->slots_max, .progs = progs,
	};
	struct ps_prom_attach *att = NULL;
	struct ps_snapshot s;
	char *buf = NULL;
	FILE *f;
	int err;

	err = ps_snapshot_read(&m->maps, &s);
	if (err) {
		fprintf(stderr, "portsense: metrics: cannot read the counters: %s\n", strerror(-err));
		return NULL;
	}
	in.snap = &s;
	ps_mapstats_read_maps(m->stats, maps);
	in.bpf_stats = ps_bpf_stats_enabled();
	if (in.bpf_stats)
		in.n_progs = ps_mapstats_read_progs(m->stats, progs, 8);
	in.n_att = attachments(m, &att);
	in.att = att;
	pthread_mutex_lock(&m->lock);
	memcpy(alerts, m->alerts, sizeof(alerts));
	in.reloads_ok = m->reloads[1];
	in.reloads_failed = m->reloads[0];
	for (i = 0; i < PS_PROM_LRU_MAPS; i++) {
		enum ps_global g = ps_prom_lru[i].inserts;
		long long entries = -1, ev;
		int k;

		for (k = 0; k < n_maps; k++)
			if (!strcmp(maps[k].name, ps_prom_lru[i].map))
				entries = maps[k].entries;
		/*
		 * Entries and inserts are read at two moments, under traffic:
		 * a counter must never go back, so it shows the highest yet.
		 */
		ev = (long long)(s.global[g] - m->inserts_base[g]) - entries;
		if (entries >= 0 && ev > (long long)m->evictions_shown[i])
			m->evictions_shown[i] = ev;
		evictions[i] = m->evictions_shown[i];
	}
	pthread_mutex_unlock(&m->lock);

	f = open_memstream(&buf, len);
	if (f) {
		ps_prom_render(f, &in);
		fprintf(f, "# HELP portsense_scrape_duration_seconds Time this scrape took to read the maps and render, up to this line.\n"
			"# TYPE portsense_scrape_duration_seconds gauge\n"
			"portsense_scrape_duration_seconds %.6f\n", now_s(CLOCK_MONOTONIC) - t0);
		if (fclose(f)) {
			free(buf);
			buf = NULL;
		}
	}
	free(att);
	ps_snapshot_free(&s);
	return buf;
}

/* ----------------------------------------------------------------- HTTP */

/* Why /healthz fails, or NULL when healthy. */
static const char *unhealthy(struct ps_metrics *m, char *buf, size_t len)
{
	struct ps_iface *ifs;
	struct timespec polled, now;
	bool xdp, tc_in, tc_out, standby;
	char name[IF_NAMESIZE];
	double ago;
	int n, i;

	n = ifaces_copy(m, &ifs, &polled);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ago = (now.tv_sec - polled.tv_sec) + (now.tv_nsec - polled.tv_nsec) / 1e9;
	pthread_mutex_lock(&m->lock);
	standby = m->standby;
	pthread_mutex_unlock(&m->lock);
	if (standby) {
		/* So that no readiness probe of the successor's pod is answered by this one. */
		snprintf(buf, len, "a successor is taking over (--replace)");
	} else if (!polled.tv_sec && !polled.tv_nsec) {
		snprintf(buf, len, "not polling yet");
	} else if (ago > PS_METRICS_STALE_S) {
		snprintf(buf, len, "not polling: the run loop last polled %.0f s ago", ago);
	} else if (!n) {
		snprintf(buf, len, "no interface attached");
	} else {
		buf[0] = '\0';
		for (i = 0; i < n && !buf[0]; i++) {
			ps_attach_check(&ifs[i], &m->ids, &xdp, &tc_in, &tc_out);
			ifname_of(&ifs[i], name);
			if (ifs[i].xdp_fd >= 0 && !xdp)
				snprintf(buf, len, "%s: the XDP program is gone", name);
			else if (ifs[i].tc_in && !tc_in)
				snprintf(buf, len, "%s: the tc ingress program is gone", name);
			else if (ifs[i].tc_out && !tc_out)
				snprintf(buf, len, "%s: the tc egress program is gone", name);
		}
	}
	free(ifs);
	return buf[0] ? buf : NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, char *body, size_t len, bool must_free)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, must_free ? MHD_RESPMEM_MUST_FREE :
					    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **req_cls)
{
	static char not_found[] = "not found: portsense serves /metrics and /healthz\n";
	static char not_allowed[] = "method not allowed: GET or HEAD\n";
	static char failed[] = "cannot read the counters\n";
	struct ps_metrics *m = cls;
	char why[160], *body;
	size_t len;

	(void)version;
	(void)upload_data;
	(void)req_cls;
	/* A request body is not read: it is discarded with the connection. */
	*upload_data_size = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			     not_allowed, strlen(not_allowed), false);
	if (!strcmp(url, "/metrics")) {
		/* HEAD renders too: its Content-Length is the real one. */
		body = render(m, &len);
		if (!body)
			return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
				     failed, strlen(failed), false);
		return reply(c, MHD_HTTP_OK, CONTENT_TYPE, body, len, true);
	}
	if (!strcmp(url, "/healthz")) {
		const char *bad = unhealthy(m, why, sizeof(why) - 1);

		if (bad) {
			len = strlen(why);
			why[len++] = '\n';
			body = strndup(why, len);
			if (!body)
				return MHD_NO;
			return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
				     body, len, true);
		}
		return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok\n", 3, false);
	}
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found,
		     strlen(not_found), false);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("portsense: metrics: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ---------------------------------------------------------- start, stop */

static int listen_on(const struct ps_metrics_addr *a)
{
	int fd, one = 1, err;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) || listen(fd, 64)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

struct ps_metrics *ps_metrics_start(const struct ps_metrics_addr *a,
				    const struct ps_metrics_opts *o)
{
	struct ps_metrics *m;
	struct ps_snapshot s;
	int fd = -1;

	if (!ps_prom_complete())
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->maps = o->maps;
	m->ids = o->ids;
	m->slots_max = o->slots_max;
	snprintf(m->version, sizeof(m->version), "%s", o->version);
	m->start_time = now_s(CLOCK_REALTIME);
	m->stats = ps_mapstats_new(o->obj);
	if (!m->stats) {
		fprintf(stderr, "portsense: metrics: %s\n", strerror(errno));
		goto fail;
	}
	/* The LRU maps start empty now; ps_global may hold a previous run's inserts. */
	if (!ps_snapshot_read(&m->maps, &s)) {
		memcpy(m->inserts_base, s.global, sizeof(m->inserts_base));
		ps_snapshot_free(&s);
	}
	fd = listen_on(a);
	if (fd < 0) {
		fprintf(stderr, "portsense: cannot serve metrics on %s: %s\n%s", a->text, strerror(-fd),
			fd == -EADDRINUSE ? "  fix: something listens there already (ss -ltnp); pick another --metrics port\n" :
			fd == -EADDRNOTAVAIL ? "  fix: the address is not one of this host's (ip -br addr); use one that is, or 0.0.0.0\n" :
			fd == -EACCES ? "  fix: ports below 1024 need CAP_NET_BIND_SERVICE; use a higher port\n" : "");
		goto fail;
	}
	m->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				     (a->ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, NULL, NULL, handle, m,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				     MHD_OPTION_END);
	if (!m->daemon) {
		fprintf(stderr, "portsense: cannot serve metrics on %s: libmicrohttpd did not start\n",
			a->text);
		close(fd);
		goto fail;
	}
	fprintf(stderr, "portsense: metrics on http://%s/metrics\n", a->text);
	return m;
fail:
	ps_mapstats_free(m->stats);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return NULL;
}

void ps_metrics_stop(struct ps_metrics *m)
{
	if (!m)
		return;
	/* Closes the listening socket and waits for the server's thread. */
	MHD_stop_daemon(m->daemon);
	free(m->ifs);
	ps_mapstats_free(m->stats);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
