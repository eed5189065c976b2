// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enictl: watch the eni_notify module (monitor, dump: straight from generic netlink,
 * no enid needed) and talk to enid over its control socket (the overview, status,
 * reload, resync, refresh, flush). enid answers status as JSON; the columns and the
 * detailed view are made here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/genetlink.h>
#include <linux/eni_notify.h>
#include <libmnl/libmnl.h>

#include "eni_msg.h"
#include "json_out.h"
#include "ctl_proto.h"
#include "genl_ctrl.h"
#include "nl_util.h"
#include "version.h"

#define EXIT_USAGE 2

static const char main_usage[] =
	"Usage: enictl [OPTION]... [COMMAND [ARG]...]\n"
	"Show enid's ENIs, watch the eni_notify kernel module, steer the enid daemon.\n"
	"Without a command: one line per ENI (the overview, like 'networkctl').\n"
	"\n"
	"Overview columns: IFNAME MAC STATE ADDRESSES CONFIGURED [WHY]\n"
	"CONFIGURED is the time from the kernel event to configured; WHY (shown when any\n"
	"ENI has one) is why an ENI waits, failed or is unconfigured.\n"
	"\n"
	"Commands:\n"
	"  status [IFNAME|MAC]...  enid's ENIs in columns; one ENI: every detail\n"
	"  monitor            print the module's events as they happen, one line each\n"
	"                     (straight from generic netlink; works without enid)\n"
	"  dump               print every device the module reports now (its GET dump)\n"
	"  reload             make enid re-read its configuration\n"
	"  resync             make enid re-read the kernel's state and re-apply every link\n"
	"  refresh [IFNAME|MAC]  make enid read the metadata service again for one link\n"
	"                     (or all) and apply only the difference\n"
	"  flush              make enid remove everything it added, then exit\n"
	"  help [COMMAND]     show this help, or a command's\n"
	"\n"
	"Options (before or after the command):\n"
	"  -j, --json         JSON: one document for a snapshot (the overview, status,\n"
	"                     dump, reload, resync, refresh, flush), one object per line\n"
	"                     for a stream (monitor)\n"
	"  -p, --pretty       indented JSON (implies --json)\n"
	"      --run-dir DIR  enid's runtime directory (default " ENID_RUN_DIR "); the\n"
	"                     control socket is DIR/" ENID_SOCK_NAME "\n"
	"  -h, --help         show this help and exit\n"
	"  -V, --version      show the version and exit\n"
	"\n"
	"'enictl COMMAND --help' describes one command. monitor and dump need\n"
	"CAP_NET_ADMIN; the overview and status work for every user; reload, resync,\n"
	"refresh and flush need root (enid checks SO_PEERCRED).\n"
	"\n"
	"Exit status: 0 success, 1 failure (module or enid unreachable, request refused,\n"
	"unknown link), 2 usage error.\n";

static const char monitor_usage[] =
	"Usage: enictl monitor [-j] [-p]\n"
	"Print the eni_notify module's events live, one line per event, until interrupted.\n"
	"Reads generic netlink directly (family \"" ENI_NOTIFY_FAMILY_NAME
	"\", group \"" ENI_NOTIFY_MCGRP_EVENTS "\"), so it works whether or not enid runs.\n"
	"\n"
	"Text lines:\n"
	"  <sec.usec> seq <n> <event> <ifname> ifindex <n> mac <mac> bus <bus|->\n"
	"  driver <drv|-> mtu <n> origin <origin|-> [change <name,mac,mtu|->]\n"
	"where the time is the kernel's CLOCK_MONOTONIC timestamp of the event, event is\n"
	"add, del or change (change only for change), and origin is hotplug, present or\n"
	"netns.\n"
	"\n"
	"Options:\n"
	"  -j, --json     a stream: one JSON object per line, keys time_ns, seq, event,\n"
	"                 ifindex, ifname, mac, perm_mac, bus_info, driver, mtu, origin,\n"
	"                 change (change events only); in names, each byte that is not\n"
	"                 UTF-8 is shown as U+FFFD\n"
	"  -p, --pretty   each object indented (implies --json)\n"
	"  -h, --help     show this help\n"
	"\n"
	"A gap in sequence numbers (events lost) and the module unloading are reported on\n"
	"stderr; on unload enictl exits with status 1.\n";

static const char dump_usage[] =
	"Usage: enictl dump [-j] [-p]\n"
	"Print every network device the eni_notify module reports now (a GET dump), one\n"
	"line each, in the same format as 'enictl monitor' (event \"get\"; the time is when\n"
	"the module first saw the device; seq is the last sequence number issued).\n"
	"\n"
	"Options:\n"
	"  -j, --json     a snapshot: one JSON array of the objects 'enictl monitor --json'\n"
	"                 prints\n"
	"  -p, --pretty   indented (implies --json)\n"
	"  -h, --help     show this help\n";

static const char status_usage[] =
	"Usage: enictl status [-j] [-p] [IFNAME|MAC]...\n"
	"Ask enid for its view of its ENIs (every one, or those named). Works for every\n"
	"user.\n"
	"\n"
	"Columns: IFNAME IFINDEX MAC DRIVER STATE SLOT TABLE ADDRESSES CONFIGURED [WHY]\n"
	"after a line 'enid <version>, source <src>, <synced|syncing>, <n> ENIs'.\n"
	"With exactly one IFNAME or MAC: every detail of that ENI, one per line: MAC,\n"
	"Driver, State, Why, Addressing, Addresses, Slot, Rules, Timeline, Metadata,\n"
	"Heals.\n"
	"States: new, wait-udev, resolving (waiting for its addressing), unconfigured\n"
	"(nothing to configure: addressing = static and no [MAC] section), pending\n"
	"(resolved, the plan goes out next), configuring, configured, failed, removed,\n"
	"not-managed (the configuration leaves it to another agent; WHY says how).\n"
	"CONFIGURED is the time from the kernel event to configured ('-' = not yet).\n"
	"WHY is why a link waits, failed or is unconfigured, e.g.\n"
	"\"metadata: waiting: gateway 404 (9 requests)\".\n"
	"\n"
	"Options:\n"
	"  -j, --json     one JSON document: {version, source, synced, links: [{ifindex,\n"
	"                 ifname, mac, driver, state, slot, table, rule_prefs, addresses,\n"
	"                 event_us, udev_us, addressing_us, configured_us, attempts,\n"
	"                 addressing, metadata_requests, error, heals, undone_by,\n"
	"                 slot_note, dhcp, reason}]}; null = not reached or none; reason:\n"
	"                 why a link of a listed driver is not managed (state not-managed:\n"
	"                 unmanaged = yes, ignore_macs, ignore_names, manage = listed).\n"
	"                 event_us is the\n"
	"                 kernel event's CLOCK_MONOTONIC time in microseconds, the other\n"
	"                 *_us are microseconds after it; in names, each byte that is not\n"
	"                 UTF-8 is shown as U+FFFD\n"
	"  -p, --pretty   indented (implies --json)\n"
	"      --run-dir DIR   enid's runtime directory (default " ENID_RUN_DIR ")\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exits 1 when a named link is not one of enid's.\n";

#define CTL_JSON_HELP                                                                              \
	"  -j, --json     one JSON document: {ok, message}: ok false when enid refused,\n"         \
	"                 message its answer or error\n"                                           \
	"  -p, --pretty   indented (implies --json)\n"                                             \
	"      --run-dir DIR   enid's runtime directory (default " ENID_RUN_DIR ")\n"              \
	"  -h, --help     show this help\n"

static const char reload_usage[] =
	"Usage: enictl reload [-j] [-p]\n"
	"Make enid re-read its configuration (the file and its drop-ins). If it has\n"
	"errors, enid keeps the configuration it has, and enictl prints every error\n"
	"('file:line: message') and exits 1. Otherwise enid re-plans every link and\n"
	"applies the difference before answering. Needs root.\n"
	"\n"
	"Options:\n" CTL_JSON_HELP;

static const char resync_usage[] =
	"Usage: enictl resync [-j] [-p]\n"
	"Make enid read its event source's full state again (as after lost events), diff\n"
	"every link against what the kernel holds, and delete orphaned rules and routes\n"
	"of its own. Returns once the resync has started. Needs root.\n"
	"\n"
	"Options:\n" CTL_JSON_HELP;

static const char refresh_usage[] =
	"Usage: enictl refresh [-j] [-p] [IFNAME|MAC]\n"
	"Make enid read the metadata service again for the link named by its interface\n"
	"name or MAC (default: every link addressed from metadata) and, once the answer\n"
	"is complete and valid, apply only the difference: a secondary IP assigned since\n"
	"appears, one unassigned disappears, nothing else is touched. An incomplete or\n"
	"failed read changes nothing (enictl status shows why it waits). Returns once the\n"
	"read has started. Exits 1 for an unknown link or one with static addressing.\n"
	"Needs root.\n"
	"\n"
	"Options:\n" CTL_JSON_HELP;

static const char flush_usage[] =
	"Usage: enictl flush [-j] [-p]\n"
	"Make enid remove every address, route and policy rule it added (and the dispatch\n"
	"rules in front of them), set the ENIs' arp_ignore and arp_announce back to the\n"
	"values a new interface gets, and restore net.ipv4.conf.all.arp_filter; links\n"
	"stay up or down as they are. enid then exits: start it again to configure the\n"
	"ENIs again. Prints what was removed; exits 1 if anything of enid's is left.\n"
	"Without a running enid, 'enid --flush' does the same. Needs root.\n"
	"\n"
	"Options:\n" CTL_JSON_HELP;

static const char *run_dir = ENID_RUN_DIR;
static char who[32] = "enictl"; /* "enictl" or "enictl <command>": every message starts so */
static bool json, pretty;

/* "<who>: message" on stderr. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* obj on stdout (one line, or indented with --pretty); takes obj. */
static int put_json(struct json_object *obj)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : 0);
	const char *text = obj ? json_object_to_json_string_ext(obj, flags) : NULL;

	if (text)
		printf("%s\n", text);
	else
		say("out of memory");
	json_object_put(obj);
	return text ? 0 : 1;
}

static void fail_no_module(void)
{
	say("eni_notify module not loaded (generic netlink family \"%s\" not found)",
	    ENI_NOTIFY_FAMILY_NAME);
}

static int resolve_family(struct genl_family_info *fi, uint32_t *grp)
{
	int err = genl_ctrl_resolve(ENI_NOTIFY_FAMILY_NAME, fi);

	if (err == -ENOENT) {
		fail_no_module();
		return 1;
	}
	if (err) {
		say("generic netlink: %s", strerror(-err));
		return 1;
	}
	*grp = genl_ctrl_group(fi, ENI_NOTIFY_MCGRP_EVENTS);
	return 0;
}

/* One event: a text line, or a JSON object printed (arr NULL) or appended to arr. */
static void print_event(const struct eni_event *ev, struct json_object *arr)
{
	char line[1024];

	if (eni_event_format(ev, json, line, sizeof(line)) < 0)
		return;
	if (!json || (!arr && !pretty))
		printf("%s\n", line); /* a stream's line is already one compact object */
	else if (arr)
		json_object_array_add(arr, json_tokener_parse(line));
	else
		put_json(json_tokener_parse(line));
}

struct dump_ctx {
	uint16_t fam_id;
	struct json_object *arr; /* --json: the events */
	unsigned int n;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct eni_event ev;

	if (nlh->nlmsg_type != c->fam_id || eni_msg_parse(nlh, &ev) < 0)
		return MNL_CB_OK;
	print_event(&ev, c->arr);
	c->n++;
	return MNL_CB_OK;
}

static int cmd_dump(void)
{
	char req[ENI_MSG_REQ_SIZE] __attribute__((aligned(8)));
	struct genl_family_info fi;
	struct dump_ctx c = {.arr = json ? json_object_new_array() : NULL};
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	char ebuf[128];
	uint32_t grp;
	int err;

	if (resolve_family(&fi, &grp)) {
		json_object_put(c.arr);
		return 1;
	}
	c.fam_id = fi.id;
	nl = nl_open(NETLINK_GENERIC, NL_BLOCKING, 0);
	if (!nl) {
		say("netlink: %m");
		json_object_put(c.arr);
		return 1;
	}
	nlh = eni_msg_build_dump(req, sizeof(req), fi.id, 1);
	err = nlh ? nl_transact(nl, nlh, dump_cb, &c, ebuf, sizeof(ebuf)) : -EINVAL;
	mnl_socket_close(nl);
	if (err) {
		say("%s%s%s", strerror(-err), ebuf[0] ? ": " : "", ebuf);
		json_object_put(c.arr);
		return 1;
	}
	return json ? put_json(c.arr) : 0;
}

static int cmd_monitor(void)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct genl_family_info fi;
	struct mnl_socket *nl;
	uint64_t last_seq = 0;
	uint32_t grp, ctrl_grp;
	int err;

	if (resolve_family(&fi, &grp))
		return 1;
	if (!grp) {
		say("family \"%s\" has no \"%s\" group", ENI_NOTIFY_FAMILY_NAME,
		    ENI_NOTIFY_MCGRP_EVENTS);
		return 1;
	}
	nl = nl_open(NETLINK_GENERIC, NL_BLOCKING, 4 * 1024 * 1024);
	if (!nl) {
		say("netlink: %m");
		return 1;
	}
	err = nl_join(nl, grp);
	if (err) {
		say("joining %s/%s: %s%s", ENI_NOTIFY_FAMILY_NAME, ENI_NOTIFY_MCGRP_EVENTS,
		    strerror(-err), err == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
		mnl_socket_close(nl);
		return 1;
	}
	{
		struct genl_family_info ctrl;

		/* to notice the module going away */
		if (!genl_ctrl_resolve("nlctrl", &ctrl)) {
			ctrl_grp = genl_ctrl_group(&ctrl, "notify");
			if (ctrl_grp)
				nl_join(nl, ctrl_grp);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		ssize_t n = nl_recv(nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh;
		struct nl_walk w;

		if (n == -ENOBUFS) {
			say("events lost (receive buffer overrun)");
			continue;
		}
		if (n < 0) {
			say("netlink: %s", strerror((int)-n));
			break;
		}
		nl_walk_init(&w, buf, (size_t)n);
		while ((nlh = nl_walk_next(&w))) {
			struct genl_family_info cf;
			struct eni_event ev;

			if (nlh->nlmsg_type == GENL_ID_CTRL) {
				if (!genl_ctrl_parse(nlh, &cf) && cf.cmd == CTRL_CMD_DELFAMILY &&
				    !strcmp(cf.name, ENI_NOTIFY_FAMILY_NAME)) {
					say("eni_notify module unloaded");
					mnl_socket_close(nl);
					return 1;
				}
				continue;
			}
			if (nlh->nlmsg_type != fi.id || eni_msg_parse(nlh, &ev) < 0)
				continue;
			if (last_seq && ev.seq > last_seq + 1)
				say("missed events %llu..%llu", (unsigned long long)last_seq + 1,
				    (unsigned long long)ev.seq - 1);
			if (ev.seq > last_seq)
				last_seq = ev.seq;
			print_event(&ev, NULL);
		}
		if (w.err)
			say("malformed netlink datagram: %s; its rest dropped", strerror(-w.err));
	}
	mnl_socket_close(nl);
	return 1;
}

/*
 * One request over the control socket. 0 with enid's answer in *body (malloc'd); 2 when
 * enid refused, its error lines said (each as "<who>: line") and in *body; 1 once any
 * other problem is said.
 */
static int ctl_ask(const char *request, char **body)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[65536];
	size_t len = 0, cap = 0;
	char *resp = NULL, *nl;
	int fd;

	*body = NULL;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", run_dir, ENID_SOCK_NAME) >=
	    sizeof(sa.sun_path)) {
		say("--run-dir %s: path too long for a unix socket", run_dir);
		return 1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		say("cannot reach enid at %s: %m%s", sa.sun_path,
		    errno == ENOENT || errno == ECONNREFUSED ? " (is enid running?)" : "");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	/* EPIPE: enid answered and closed before reading (it refuses when busy); read on */
	len = (size_t)snprintf(buf, sizeof(buf), "%s\n", request);
	if (len >= sizeof(buf) || (send(fd, buf, len, MSG_NOSIGNAL) < 0 && errno != EPIPE)) {
		say("sending to enid: %s",
		    len >= sizeof(buf) ? "request too long" : strerror(errno));
		close(fd);
		return 1;
	}
	len = 0;
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ECONNRESET && len)
			break; /* it closed with our request unread: the answer is complete */
		if (n < 0) {
			say("reading from enid: %m");
			close(fd);
			free(resp);
			return 1;
		}
		if (n == 0)
			break;
		if (len + (size_t)n + 1 > cap) {
			char *p;

			cap = (len + (size_t)n + 1) * 2;
			p = realloc(resp, cap);
			if (!p) {
				say("out of memory");
				close(fd);
				free(resp);
				return 1;
			}
			resp = p;
		}
		memcpy(resp + len, buf, (size_t)n);
		len += (size_t)n;
	}
	close(fd);
	if (!resp) {
		say("enid closed the connection without answering");
		return 1;
	}
	resp[len] = '\0';
	nl = strchr(resp, '\n');
	if (!strncmp(resp, "ok\n", 3)) {
		memmove(resp, nl + 1, strlen(nl + 1) + 1);
		*body = resp;
		return 0;
	}
	memmove(resp, nl ? nl + 1 : resp, strlen(nl ? nl + 1 : resp) + 1);
	*body = strdup(resp);
	{
		char *line, *save = NULL;

		for (line = strtok_r(resp, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			say("%s", line);
	}
	free(resp);
	return 2;
}

/* reload, resync, refresh, flush: enid's answer as text, or {"ok", "message"} (also
 * when enid refused: ok false, message its error). */
static int cmd_ctl(const char *request)
{
	struct json_object *doc;
	char *body;
	int err = 0, r = ctl_ask(request, &body);

	if (r == 1 || (r && !json) || !body) {
		free(body);
		return 1;
	}
	if (!json) {
		fputs(body, stdout);
		free(body);
		return 0;
	}
	if (*body && body[strlen(body) - 1] == '\n')
		body[strlen(body) - 1] = '\0';
	doc = json_object_new_object();
	json_out_add_bool(doc, "ok", !r, &err);
	json_out_add_str(doc, "message", body, &err);
	free(body);
	return put_json(err ? NULL : doc) | !!r;
}

/* ---- status and the overview: enid's "status json", shown here ---- */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

/* Why a link is as it is: its error, else why enid leaves it to another agent. */
static const char *link_why(struct json_object *l)
{
	return jstr(l, "error") ?: jstr(l, "reason");
}

/* A number, or -1 when absent or null. */
static long long jnum(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int64(v);
}

/* "1.2ms", "3.45s", or "-" for -1; "+1.2ms" with plus. */
static const char *dur_sign(long long us, bool plus, char *buf, size_t len)
{
	if (us >= 0 && plus) {
		buf[0] = '+';
		dur_sign(us, false, buf + 1, len - 1);
	} else if (us < 0)
		snprintf(buf, len, "-");
	else if (us < 1000)
		snprintf(buf, len, "%lldus", us);
	else if (us < 1000000)
		snprintf(buf, len, "%.1fms", (double)us / 1e3);
	else
		snprintf(buf, len, "%.2fs", (double)us / 1e6);
	return buf;
}

static const char *dur(long long us, char *buf, size_t len)
{
	return dur_sign(us, false, buf, len);
}

/* The addresses joined by sep ("-" when none), malloc'd. */
static char *addresses(struct json_object *l, const char *sep)
{
	struct json_object *arr;
	size_t n = 0, len = 2;
	char *out;

	if (json_object_object_get_ex(l, "addresses", &arr) &&
	    json_object_is_type(arr, json_type_array))
		n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++)
		len += strlen(json_object_get_string(json_object_array_get_idx(arr, i))) +
		       strlen(sep);
	out = calloc(1, len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++)
		sprintf(out + strlen(out), "%s%s", i ? sep : "",
			json_object_get_string(json_object_array_get_idx(arr, i)));
	if (!n)
		strcpy(out, "-");
	return out;
}

#define COLS_MAX 10

/* Rows of cells, printed with every column but the last padded to its widest cell. */
struct table {
	char *cell[64][COLS_MAX];
	unsigned rows, cols;
};

static void table_row(struct table *t, unsigned cols, ...)
{
	va_list ap;

	if (t->rows >= 64)
		return;
	va_start(ap, cols);
	for (unsigned c = 0; c < cols; c++) {
		const char *v = va_arg(ap, const char *);

		t->cell[t->rows][c] = strdup(v ? v : "-");
	}
	va_end(ap);
	t->cols = cols;
	t->rows++;
}

static void table_print(struct table *t)
{
	size_t w[COLS_MAX] = {0};

	for (unsigned r = 0; r < t->rows; r++)
		for (unsigned c = 0; c < t->cols; c++)
			if (t->cell[r][c] && strlen(t->cell[r][c]) > w[c])
				w[c] = strlen(t->cell[r][c]);
	for (unsigned r = 0; r < t->rows; r++) {
		for (unsigned c = 0; c < t->cols; c++) {
			const char *v = t->cell[r][c] ? t->cell[r][c] : "?";

			if (c + 1 < t->cols)
				printf("%-*s  ", (int)w[c], v);
			else
				printf("%s\n", v);
			free(t->cell[r][c]);
		}
	}
	t->rows = 0;
}

/* The links whose ifname or MAC is one of names (all when none); 1 after saying which
 * name matched nothing. */
static int select_links(struct json_object *doc, char **names, int n_names)
{
	struct json_object *links, *keep;
	int bad = 0;

	if (!json_object_object_get_ex(doc, "links", &links) ||
	    !json_object_is_type(links, json_type_array)) {
		say("enid's answer has no \"links\" array");
		return 1;
	}
	if (!n_names)
		return 0;
	keep = json_object_new_array();
	for (int i = 0; i < n_names; i++) {
		bool found = false;

		for (size_t k = 0; k < json_object_array_length(links); k++) {
			struct json_object *l = json_object_array_get_idx(links, k);
			const char *ifname = jstr(l, "ifname"), *mac = jstr(l, "mac");

			if ((ifname && !strcmp(ifname, names[i])) ||
			    (mac && !strcasecmp(mac, names[i]))) {
				json_object_array_add(keep, json_object_get(l));
				found = true;
			}
		}
		if (!found) {
			say("no link '%s' among enid's (enictl status lists them)", names[i]);
			bad = 1;
		}
	}
	json_object_object_add(doc, "links", keep);
	return bad;
}

/* "enid 0.1.0, source rtnl, synced, 2 ENIs" */
static void print_header(struct json_object *doc)
{
	struct json_object *links, *synced;
	size_t n = 0;

	if (json_object_object_get_ex(doc, "links", &links))
		n = json_object_array_length(links);
	json_object_object_get_ex(doc, "synced", &synced);
	printf("enid %s, source %s, %s, %zu ENI%s\n", jstr(doc, "version") ?: "?",
	       jstr(doc, "source") ?: "?", json_object_get_boolean(synced) ? "synced" : "syncing",
	       n, n == 1 ? "" : "s");
}

static bool any_error(struct json_object *links)
{
	for (size_t k = 0; k < json_object_array_length(links); k++)
		if (link_why(json_object_array_get_idx(links, k)))
			return true;
	return false;
}

/* The overview (wide = false) or status's columns (wide = true). */
static void print_columns(struct json_object *doc, bool wide)
{
	struct json_object *links;
	struct table t = {0};
	bool why;

	json_object_object_get_ex(doc, "links", &links);
	why = any_error(links);
	if (wide)
		table_row(&t, why ? 10 : 9, "IFNAME", "IFINDEX", "MAC", "DRIVER", "STATE", "SLOT",
			  "TABLE", "ADDRESSES", "CONFIGURED", "WHY");
	else
		table_row(&t, why ? 6 : 5, "IFNAME", "MAC", "STATE", "ADDRESSES", "CONFIGURED",
			  "WHY");
	for (size_t k = 0; k < json_object_array_length(links); k++) {
		struct json_object *l = json_object_array_get_idx(links, k);
		char *a = addresses(l, ",");
		char conf[32], ifindex[16], slot[16], table[16];

		dur(jnum(l, "configured_us"), conf, sizeof(conf));
		snprintf(ifindex, sizeof(ifindex), "%lld", jnum(l, "ifindex"));
		snprintf(slot, sizeof(slot), "%lld", jnum(l, "slot"));
		snprintf(table, sizeof(table), "%lld", jnum(l, "table"));
		if (wide)
			table_row(&t, why ? 10 : 9, jstr(l, "ifname"), ifindex, jstr(l, "mac"),
				  jstr(l, "driver"), jstr(l, "state"),
				  jnum(l, "slot") < 0 ? "-" : slot,
				  jnum(l, "table") < 0 ? "-" : table, a, conf, link_why(l));
		else
			table_row(&t, why ? 6 : 5, jstr(l, "ifname"), jstr(l, "mac"),
				  jstr(l, "state"), a, conf, link_why(l));
		free(a);
	}
	table_print(&t);
}

/* Every detail of one link, "Key: value" per line, like networkctl status IFNAME. */
static void print_detail(struct json_object *l)
{
	char a_[32], b_[32], c_[32];
	long long slot = jnum(l, "slot"), ev = jnum(l, "event_us");
	struct json_object *prefs;
	char *a = addresses(l, "\n              ");

	printf("%s (ifindex %lld)\n", jstr(l, "ifname") ?: "?", jnum(l, "ifindex"));
	printf("         MAC: %s\n", jstr(l, "mac") ?: "-");
	printf("      Driver: %s\n", jstr(l, "driver") ?: "-");
	printf("       State: %s\n", jstr(l, "state") ?: "-");
	printf("         Why: %s\n", link_why(l) ?: "-");
	printf("  Addressing: %s\n", jstr(l, "addressing") ?: "-");
	printf("   Addresses: %s\n", a ? a : "-");
	free(a);
	if (slot < 0) {
		printf("        Slot: -\n");
		printf("       Rules: -\n");
	} else {
		long long at = -1, lo = -1, hi = -1, table = jnum(l, "table");

		if (json_object_object_get_ex(l, "rule_prefs", &prefs) &&
		    json_object_array_length(prefs) == 3) {
			at = json_object_get_int64(json_object_array_get_idx(prefs, 0));
			lo = json_object_get_int64(json_object_array_get_idx(prefs, 1));
			hi = json_object_get_int64(json_object_array_get_idx(prefs, 2));
		}
		printf("        Slot: %lld (table %lld, rule prefs %lld and %lld-%lld)\n", slot,
		       table, at, lo, hi);
		printf("       Rules: %lld from each address goto %lld; the chain: %lld lookup "
		       "%lld "
		       "suppress_prefixlength 0,\n"
		       "              %lld lookup main suppress_prefixlength 0, %lld lookup %lld, "
		       "%lld goto END\n",
		       at, lo, lo, table, lo + 1, lo + 2, table, hi);
	}
	printf("    Timeline: event at %lld.%06lld s (CLOCK_MONOTONIC); udev %s; addressing %s; "
	       "configured %s\n",
	       ev / 1000000, ev % 1000000, dur_sign(jnum(l, "udev_us"), true, a_, sizeof(a_)),
	       dur_sign(jnum(l, "addressing_us"), true, b_, sizeof(b_)),
	       dur_sign(jnum(l, "configured_us"), true, c_, sizeof(c_)));
	printf("    Metadata: %lld requests\n", jnum(l, "metadata_requests"));
	if (jstr(l, "dhcp"))
		printf("        DHCP: %s\n", jstr(l, "dhcp"));
	printf("       Heals: %lld%s%s\n", jnum(l, "heals"),
	       jstr(l, "undone_by") ? ", undone by " : "", jstr(l, "undone_by") ?: "");
	if (jstr(l, "slot_note"))
		printf("   Slot note: %s\n", jstr(l, "slot_note"));
}

/* status (wide) or the overview: names select links. */
static int cmd_status(char **names, int n_names, bool wide)
{
	struct json_object *doc, *links;
	char *body;
	int bad;

	if (ctl_ask("status json", &body)) {
		free(body);
		return 1;
	}
	doc = json_tokener_parse(body);
	free(body);
	if (!doc) {
		say("enid's answer is not JSON");
		return 1;
	}
	bad = select_links(doc, names, n_names);
	if (bad == 1 && !json_object_object_get_ex(doc, "links", &links)) {
		json_object_put(doc);
		return 1;
	}
	if (json)
		return put_json(doc) | bad;
	json_object_object_get_ex(doc, "links", &links);
	if (n_names && !json_object_array_length(links)) {
		/* nothing matched: the error was said */
	} else if (wide && n_names == 1 && json_object_array_length(links) == 1) {
		print_detail(json_object_array_get_idx(links, 0));
	} else {
		print_header(doc);
		if (json_object_array_length(links))
			print_columns(doc, wide);
	}
	json_object_put(doc);
	return bad;
}

struct command {
	const char *name;
	const char *usage;
	int max_args; /* IFNAME|MAC arguments */
};

static const struct command commands[] = {
	{"status", status_usage, 64}, {"monitor", monitor_usage, 0}, {"dump", dump_usage, 0},
	{"reload", reload_usage, 0},  {"resync", resync_usage, 0},   {"refresh", refresh_usage, 1},
	{"flush", flush_usage, 0},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int usage_error(const struct command *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", who);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'enictl %s%s--help' for more information.\n", cmd ? cmd->name : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	enum { OPT_RUN_DIR = 256 };
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"pretty", no_argument, NULL, 'p'},
		{"run-dir", required_argument, NULL, OPT_RUN_DIR},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	const struct command *cmd = NULL;
	char *args[64];
	int n_args = 0, opt;
	bool help = false;

	opterr = 0; /* our messages name the subcommand */
	/* options anywhere; the first operand is the command, the rest its arguments */
	while (optind < argc) {
		opt = getopt_long(argc, argv, "-jphV", opts, NULL);
		if (opt == -1)
			break;
		switch (opt) {
		case 1:
			if (!cmd && !help && strcmp(optarg, "help")) {
				cmd = find_command(optarg);
				if (!cmd)
					return usage_error(NULL, "unknown command '%s'", optarg);
				snprintf(who, sizeof(who), "enictl %s", cmd->name);
			} else if (!cmd && !strcmp(optarg, "help")) {
				help = true;
			} else if (!cmd && help) {
				cmd = find_command(optarg);
				if (!cmd)
					return usage_error(NULL, "unknown command '%s'", optarg);
			} else if (n_args < cmd->max_args && n_args < 64) {
				args[n_args++] = optarg;
			} else {
				return usage_error(cmd, "unexpected argument '%s'", optarg);
			}
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case OPT_RUN_DIR:
			run_dir = optarg;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			printf("enictl %s\n", ENID_VERSION);
			return 0;
		case ':':
			return usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt) {
				char o[2] = {(char)optopt, '\0'};

				return usage_error(cmd, "invalid option '-%s'", o);
			}
			return usage_error(cmd, "unrecognized option '%s'", argv[optind - 1]);
		}
	}
	if (help) {
		fputs(cmd ? cmd->usage : main_usage, stdout);
		return 0;
	}
	if (!cmd)
		return cmd_status(NULL, 0, false);
	if (!strcmp(cmd->name, "status"))
		return cmd_status(args, n_args, true);
	if (!strcmp(cmd->name, "monitor"))
		return cmd_monitor();
	if (!strcmp(cmd->name, "dump"))
		return cmd_dump();
	if (!strcmp(cmd->name, "refresh") && n_args) {
		char req[128];

		if (strlen(args[0]) > 64 || strpbrk(args[0], " \t\n"))
			return usage_error(cmd, "'%s' is not an interface name or MAC", args[0]);
		snprintf(req, sizeof(req), "refresh %s", args[0]);
		return cmd_ctl(req);
	}
	return cmd_ctl(cmd->name);
}
