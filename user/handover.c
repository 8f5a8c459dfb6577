// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * handover.c - the talk between a running instance and its --replace
 * successor, and telling a service manager about it (handover.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/types.h>

#include "handover.h"

#ifndef PS_VERSION
#define PS_VERSION "0.1.0"
#endif

#define PS_HO_MAGIC 0x70736831	/* "psh1": the protocol's version too */

/* How long the successor waits for each answer (the owner polls every 0.1 s). */
#define PS_HO_READY_S 10
#define PS_HO_DONE_S 30

enum ps_ho_type { HELLO = 1, WELCOME, BUSY, TAKEOVER, READY, SWAPPED, DONE };

struct ps_ho_msg {
	__u32 magic;
	__u32 type;
	__s32 pid;
	char text[116];		/* "portsense VERSION": for the log */
};

struct ps_ho_owner {
	int lfd, cfd;		/* listening; the successor, -1 */
	pid_t peer;
};

struct ps_ho_succ {
	int fd;
	pid_t owner;
};

/* "\0portsense:PIN_PATH", or a hash of a pin path too long for sun_path. */
static socklen_t ho_addr(struct sockaddr_un *a, const char *pin_path)
{
	__u64 h = 0xcbf29ce484222325ULL;
	const char *p;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(pin_path) + 11 < sizeof(a->sun_path)) {
		snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "portsense:%s", pin_path);
	} else {
		for (p = pin_path; *p; p++)
			h = (h ^ (__u8)*p) * 0x100000001b3ULL;
		snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "portsense:#%016llx",
			 (unsigned long long)h);
	}
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
}

static int say(int fd, enum ps_ho_type type)
{
	struct ps_ho_msg m = { .magic = PS_HO_MAGIC, .type = type, .pid = getpid() };

	snprintf(m.text, sizeof(m.text), "portsense %s", PS_VERSION);
	return send(fd, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m) ? 0 : -errno ?: -EIO;
}

/* One message: its type, 0 at the end of the stream, or -errno (-EAGAIN: none yet). */
static int hear(int fd, struct ps_ho_msg *m, int flags)
{
	ssize_t n = recv(fd, m, sizeof(*m), flags);

	if (n < 0)
		return -errno;
	if (!n)
		return 0;
	if (n != sizeof(*m) || m->magic != PS_HO_MAGIC)
		return -EPROTO;
	m->text[sizeof(m->text) - 1] = '\0';
	return m->type;
}

struct ps_ho_owner *ps_ho_listen(const char *pin_path)
{
	struct ps_ho_owner *o = calloc(1, sizeof(*o));
	struct sockaddr_un a;
	socklen_t len = ho_addr(&a, pin_path);

	if (!o)
		return NULL;
	o->cfd = -1;
	o->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (o->lfd < 0 || bind(o->lfd, (struct sockaddr *)&a, len) || listen(o->lfd, 4)) {
		fprintf(stderr, "portsense: warning: cannot listen for a --replace successor: %s;"
			" this instance can be stopped, not replaced\n", strerror(errno));
		if (o->lfd >= 0)
			close(o->lfd);
		free(o);
		return NULL;
	}
	return o;
}

static void drop_successor(struct ps_ho_owner *o)
{
	close(o->cfd);
	o->cfd = -1;
	o->peer = 0;
}

/* A new connection: the successor, or one too many. */
static void accept_one(struct ps_ho_owner *o)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = accept4(o->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || cred.uid != geteuid()) {
		fprintf(stderr, "portsense: refused a handover request from uid %d\n",
			len == sizeof(cred) ? (int)cred.uid : -1);
		close(fd);
		return;
	}
	if (o->cfd >= 0) {
		say(fd, BUSY);
		close(fd);
		return;
	}
	o->cfd = fd;
	o->peer = cred.pid;
}

enum ps_ho_event ps_ho_poll(struct ps_ho_owner *o)
{
	struct ps_ho_msg m;
	int t;

	if (!o)
		return PS_HO_NONE;
	accept_one(o);
	if (o->cfd < 0)
		return PS_HO_NONE;
	t = hear(o->cfd, &m, MSG_DONTWAIT);
	if (t == -EAGAIN)
		return PS_HO_NONE;
	/* Gone since it spoke (killed right after): what it said no longer holds. */
	if (t > 0 && !recv(o->cfd, &m, sizeof(m), MSG_PEEK | MSG_DONTWAIT))
		t = 0;
	switch (t) {
	case HELLO:
		fprintf(stderr, "portsense: a successor (%s, pid %d) announced itself; it loads now\n",
			m.text, (int)m.pid);
		return say(o->cfd, WELCOME) ? PS_HO_NONE : PS_HO_HELLO;
	case TAKEOVER:
		fprintf(stderr, "portsense: the successor is loaded and takes over now\n");
		return PS_HO_TAKEOVER;
	case SWAPPED:
		return PS_HO_SWAPPED;
	default:	/* closed, or nonsense: either way no successor */
		drop_successor(o);
		return PS_HO_GONE;
	}
}

bool ps_ho_busy(const struct ps_ho_owner *o)
{
	return o && o->cfd >= 0;
}

int ps_ho_ready(struct ps_ho_owner *o)
{
	return o && o->cfd >= 0 ? say(o->cfd, READY) : -ENOTCONN;
}

bool ps_ho_done(struct ps_ho_owner *o)
{
	if (!o)
		return false;
	/* The name is the successor's from now: its own successor must reach it, not us. */
	if (o->lfd >= 0)
		close(o->lfd);
	o->lfd = -1;
	return o->cfd >= 0 && !say(o->cfd, DONE);
}

pid_t ps_ho_peer(const struct ps_ho_owner *o)
{
	return o ? o->peer : 0;
}

void ps_ho_close(struct ps_ho_owner *o)
{
	if (!o)
		return;
	if (o->cfd >= 0)
		close(o->cfd);
	if (o->lfd >= 0)
		close(o->lfd);
	free(o);
}

/* The owner's answer to what we said: @want, or a message and -errno. */
static int await(struct ps_ho_succ *s, int want, int secs, const char *what)
{
	struct timeval tv = { .tv_sec = secs };
	struct ps_ho_msg m;
	int t;

	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t = hear(s->fd, &m, 0);
	if (t == want) {
		s->owner = m.pid;
		return 0;
	}
	if (t == BUSY)
		fprintf(stderr, "portsense: the running instance is being replaced by another one already\n");
	else if (t == -EAGAIN)
		fprintf(stderr, "portsense: the running instance did not answer within %d s (%s)\n", secs, what);
	else if (t <= 0)
		fprintf(stderr, "portsense: the running instance went away (%s)\n", what);
	else
		fprintf(stderr, "portsense: the running instance answered out of turn (%s)\n", what);
	return t == -EAGAIN ? -ETIMEDOUT : t <= 0 ? -ECONNRESET : -EPROTO;
}

struct ps_ho_succ *ps_ho_connect(const char *pin_path)
{
	struct ps_ho_succ *s = calloc(1, sizeof(*s));
	struct sockaddr_un a;
	socklen_t len = ho_addr(&a, pin_path);

	if (!s)
		return NULL;
	s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&a, len)) {
		fprintf(stderr, "portsense: the portsense running with --pin-path %s does not answer a"
			" handover (%s): an older version, or one in another network namespace\n"
			"  fix: stop it first, or give this one its own --pin-path\n", pin_path,
			strerror(errno));
		goto fail;
	}
	if (say(s->fd, HELLO) || await(s, WELCOME, PS_HO_READY_S, "hello"))
		goto fail;
	fprintf(stderr, "portsense: replacing the instance running on %s (pid %d)\n", pin_path,
		(int)s->owner);
	return s;
fail:
	ps_ho_disconnect(s);
	return NULL;
}

int ps_ho_takeover(struct ps_ho_succ *s)
{
	int err = say(s->fd, TAKEOVER);

	return err ?: await(s, READY, PS_HO_READY_S, "takeover");
}

int ps_ho_swapped(struct ps_ho_succ *s)
{
	struct timeval tv = { .tv_sec = PS_HO_DONE_S };
	struct ps_ho_msg m;
	int t;

	/* Its end of the stream is as good as DONE: it died, its lock went with it. */
	if (say(s->fd, SWAPPED))
		return 0;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t = hear(s->fd, &m, 0);
	if (t == DONE || t == 0 || t == -ECONNRESET)
		return 0;
	fprintf(stderr, "portsense: warning: the replaced instance did not finish within %d s\n",
		PS_HO_DONE_S);
	return -ETIMEDOUT;
}

void ps_ho_disconnect(struct ps_ho_succ *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

void ps_notify(const char *fmt, ...)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char msg[128];
	va_list ap;
	int fd;

	if (!path || (*path != '/' && *path != '@') || strlen(path) >= sizeof(a.sun_path))
		return;
	memcpy(a.sun_path, path, strlen(path));
	if (*path == '@')
		a.sun_path[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&a,
		   offsetof(struct sockaddr_un, sun_path) + strlen(path)) < 0)
		fprintf(stderr, "portsense: warning: cannot tell the service manager %s: %s\n", msg,
			strerror(errno));
	close(fd);
}

static int background_fd = -1;

int ps_background(void)
{
	int p[2], st;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(p[0]);
		background_fd = p[1];
		return 0;
	}
	close(p[1]);
	if (read(p[0], &c, 1) == 1)
		_exit(0);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

void ps_background_ready(void)
{
	if (background_fd < 0)
		return;
	if (write(background_fd, "r", 1) != 1)
		fprintf(stderr, "portsense: warning: --background: the parent is gone\n");
	close(background_fd);
	background_fd = -1;
}
