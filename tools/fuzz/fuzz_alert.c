// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_alert - libFuzzer target for the alert output (user/alerts.c,
 * ps_alert_print): ring-buffer records of any size and content, nonsense
 * ids, kinds, details, counts, addresses, interface indexes and stamps.
 * Whatever the record:
 *  - no crash or memory error; a record too short or of an unknown id
 *    prints nothing (never half a line);
 *  - JSON: exactly one line that parses as a JSON object with
 *    "event":"alert" and a catalogue id;
 *  - text: exactly the alert line and its "likely:" line, and after them
 *    a "diagnosis:" line where the alert has one (docs/diagnosis.md);
 *  - no byte outside printable ASCII in either, so nothing that came off
 *    the wire (or out of the record, or the node name) can start a line
 *    or send a terminal control sequence: log injection is impossible.
 * Bytes after the record become the node name (NODE_NAME comes from the
 * environment, and is escaped the same way).
 */
#include "fuzz_file.h"
#include "alerts.h"

/* ------------------------------------------------------------------ */
/* A strict JSON syntax check (RFC 8259), enough for one line. */

struct js {
	const char *p, *end;
	int depth;
};

static int js_value(struct js *j);

static void js_ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int js_lit(struct js *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return -1;
	j->p += n;
	return 0;
}

static int js_string(struct js *j)
{
	if (j->p >= j->end || *j->p != '"')
		return -1;
	for (j->p++; j->p < j->end; j->p++) {
		unsigned char c = *j->p;

		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c != '\\')
			continue;
		if (++j->p >= j->end)
			return -1;
		if (*j->p == 'u') {
			int k;

			for (k = 0; k < 4; k++)
				if (++j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p))
					return -1;
		} else if (!strchr("\"\\/bfnrt", *j->p)) {
			return -1;
		}
	}
	return -1;
}

static int js_digits(struct js *j)
{
	const char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : -1;
}

static int js_number(struct js *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (js_digits(j))
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (js_digits(j))
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (js_digits(j))
			return -1;
	}
	return 0;
}

static int js_container(struct js *j, char close, int object)
{
	j->p++;
	if (++j->depth > 32)
		return -1;
	js_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		js_ws(j);
		if (object) {
			if (js_string(j))
				return -1;
			js_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return -1;
			js_ws(j);
		}
		if (js_value(j))
			return -1;
		js_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p++ != close)
			return -1;
		j->depth--;
		return 0;
	}
}

static int js_value(struct js *j)
{
	if (j->p >= j->end)
		return -1;
	switch (*j->p) {
	case '{': return js_container(j, '}', 1);
	case '[': return js_container(j, ']', 0);
	case '"': return js_string(j);
	case 't': return js_lit(j, "true");
	case 'f': return js_lit(j, "false");
	case 'n': return js_lit(j, "null");
	default: return js_number(j);
	}
}

/* ------------------------------------------------------------------ */

static void check_printable(const char *out, size_t len, const char *mode)
{
	size_t i;

	for (i = 0; i < len; i++)
		FUZZ_ASSERT(out[i] == '\n' || ((unsigned char)out[i] >= 0x20 &&
						(unsigned char)out[i] < 0x7f),
			    "%s output byte %zu is 0x%02x: %.*s", mode, i, (unsigned char)out[i],
			    (int)len, out);
}

static size_t count_nl(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

static void print_one(const void *rec, size_t size, const char *node, bool json)
{
	struct ps_alert_out o = { .json = json, .node = node };
	const struct ps_event *e = rec;
	char *out = NULL;
	size_t len = 0;
	bool dropped = size < sizeof(*e) || e->alert >= PS_ALERT_MAX;
	int ret;

	o.f = open_memstream(&out, &len);
	if (!o.f)
		return;
	ret = ps_alert_print(&o, rec, size);
	fclose(o.f);
	FUZZ_ASSERT(ret == 0, "ps_alert_print returned %d", ret);
	if (dropped) {
		FUZZ_ASSERT(len == 0 && o.printed == 0, "a dropped record printed %zu bytes", len);
		free(out);
		return;
	}
	FUZZ_ASSERT(len > 0 && out[len - 1] == '\n' && o.printed == 1, "no whole output");
	check_printable(out, len, json ? "json" : "text");
	if (json) {
		struct js j = { .p = out, .end = out + len - 1 };
		char id[64];

		FUZZ_ASSERT(count_nl(out, len) == 1, "json: %zu lines: %s", count_nl(out, len), out);
		FUZZ_ASSERT(*j.p == '{' && !js_value(&j) && j.p == j.end, "json does not parse "
			    "(at byte %zu): %s", (size_t)(j.p - out), out);
		FUZZ_ASSERT(strstr(out, "\"event\":\"alert\""), "json without event: %s", out);
		snprintf(id, sizeof(id), "\"alert\":\"%s\"", ps_alert_catalogue[e->alert].id);
		FUZZ_ASSERT(strstr(out, id), "json without %s: %s", id, out);
	} else {
		const char *likely = strstr(out, "\n    likely: ");
		const char *diag = strstr(out, "\n    diagnosis: ");

		FUZZ_ASSERT(likely && count_nl(out, len) == 2 + !!diag && (!diag || diag > likely),
			    "text: %zu lines: %s", count_nl(out, len), out);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* Ring-buffer records are 8-byte aligned, whatever libFuzzer hands us. */
	static unsigned long long rec[4096 / 8];
	char node[80];
	size_t n = size < sizeof(rec) ? size : sizeof(rec), tail;

	memcpy(rec, data, n);
	tail = n > sizeof(struct ps_event) ? n - sizeof(struct ps_event) : 0;
	if (tail > sizeof(node) - 1)
		tail = sizeof(node) - 1;
	memcpy(node, data + n - tail, tail);
	node[tail] = '\0';
	if (!tail)
		snprintf(node, sizeof(node), "node\"\\\n\x1b[2J\x7f\xc3\xa9");
	print_one(rec, n, node, true);
	print_one(rec, n, node, false);
	return 0;
}
