// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enictl: watch the eni_notify module (monitor, dump: straight from generic netlink,
 * no enid needed) and talk to enid over its control socket (status, reload, resync).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/genetlink.h>
#include <linux/eni_notify.h>
#include <libmnl/libmnl.h>

#include "eni_msg.h"
#include "ctl_proto.h"
#include "genl_ctrl.h"
#include "nl_util.h"
#include "version.h"

#define EXIT_USAGE 2

static const char main_usage[] =
	"Usage: enictl [--run-dir DIR] COMMAND [OPTION]...\n"
	"Watch the eni_notify kernel module and control the enid daemon.\n"
	"\n"
	"Commands:\n"
	"  monitor [--json]   print the module's events as they happen, one line each\n"
	"                     (straight from generic netlink; works without enid)\n"
	"  dump [--json]      print every device the module reports now (its GET dump)\n"
	"  status [--json]    enid's view of each managed link: state, slot, table,\n"
	"                     addresses and its timeline\n"
	"  reload             make enid re-read its configuration\n"
	"  resync             make enid re-read the kernel's state and re-apply every link\n"
	"  refresh [IFNAME|MAC]  make enid read the metadata service again for one link\n"
	"                     (or all) and apply only the difference\n"
	"  flush              make enid remove everything it added, then exit\n"
	"  help [COMMAND]     show this help, or a command's\n"
	"\n"
	"Options:\n"
	"      --run-dir DIR  enid's runtime directory (default " ENID_RUN_DIR "); the\n"
	"                     control socket is DIR/" ENID_SOCK_NAME "\n"
	"  -h, --help         show this help and exit\n"
	"  -V, --version      show the version and exit\n"
	"\n"
	"'enictl COMMAND --help' describes one command. monitor and dump need\n"
	"CAP_NET_ADMIN; status works for every user; reload, resync, refresh and flush\n"
	"need root (enid checks SO_PEERCRED).\n"
	"\n"
	"Exit status: 0 success, 1 failure (module or enid unreachable, request refused),\n"
	"2 usage error.\n";

static const char monitor_usage[] =
	"Usage: enictl monitor [--json]\n"
	"Print the eni_notify module's events live, one line per event, until interrupted.\n"
	"Reads generic netlink directly (family \"" ENI_NOTIFY_FAMILY_NAME
	"\", group \"" ENI_NOTIFY_MCGRP_EVENTS "\"), so it works whether or not enid runs.\n"
	"\n"
	"Text lines:\n"
	"  <sec.usec> seq <n> <event> <ifname> mac <mac> bus <pci|-> driver <drv> origin <o>\n"
	"  mtu <n> [change name,mac,mtu]\n"
	"where the time is the kernel's CLOCK_MONOTONIC timestamp of the event, event is\n"
	"add, del or change, and origin is hotplug, present or netns.\n"
	"\n"
	"Options:\n"
	"      --json   one JSON object per line instead: time_ns, seq, event, ifindex,\n"
	"               ifname, mac, perm_mac, bus_info, driver, mtu, origin[, change];\n"
	"               in names, each byte that is not UTF-8 is shown as U+FFFD\n"
	"  -h, --help   show this help\n"
	"\n"
	"A gap in sequence numbers (events lost) and the module unloading are reported on\n"
	"stderr; on unload enictl exits with status 1.\n";

static const char dump_usage[] =
	"Usage: enictl dump [--json]\n"
	"Print every network device the eni_notify module reports now (a GET dump), one\n"
	"line each, in the same format as 'enictl monitor' (event \"get\"; the time is when\n"
	"the module first saw the device; seq is the last sequence number issued).\n"
	"\n"
	"Options:\n"
	"      --json   one JSON object per line\n"
	"  -h, --help   show this help\n";

static const char status_usage[] =
	"Usage: enictl status [--json] [--run-dir DIR]\n"
	"Ask enid for its view of each managed link.\n"
	"\n"
	"Text: a '# source ...' header, then one line per link:\n"
	"  <ifname> ifindex <n> mac <mac> driver <drv> state <state> slot <s|-> table <t|->\n"
	"  addresses <a/p,...|-> event_us <t> udev_us <us|-> addressing_us <us|->\n"
	"  configured_us <us|-> addressing <static|metadata|none> [requests <n>]\n"
	"  [error \"<why>\"] [slot_note \"<why a slot was passed over>\"]\n"
	"  [heals <n> undone_by \"<pid (name)>\"]\n"
	"States: new, wait-udev, resolving (waiting for its addressing), pending (resolved,\n"
	"the plan goes out next), configuring, configured, failed, removed.\n"
	"event_us is the kernel event's CLOCK_MONOTONIC time in microseconds (the module's\n"
	"timestamp, or when enid read an rtnetlink event); udev_us, addressing_us and\n"
	"configured_us are microseconds after it ('-' = not reached; udev_us is '-' when\n"
	"enid does not wait for udev).\n"
	"addressing says where the addresses come from; requests counts the metadata\n"
	"requests about the ENI's MAC; error is why a link waits or failed, e.g.\n"
	"\"metadata: waiting: gateway 404 (9 requests)\".\n"
	"\n"
	"Options:\n"
	"      --json          {\"version\",\"source\",\"synced\",\"links\":[{\"ifindex\",\n"
	"                      \"ifname\",\"mac\",\"driver\",\"state\",\"slot\",\"table\",\n"
	"                      \"addresses\":[..],\"event_us\",\"udev_us\",\"addressing_us\",\n"
	"                      \"configured_us\",\"attempts\",\"addressing\",\n"
	"                      \"metadata_requests\",\"error\",\"heals\",\"undone_by\",\n"
	"                      \"slot_note\"}]} (null = not reached or none); in names,\n"
	"                      each byte that is not UTF-8 is shown as U+FFFD\n"
	"      --run-dir DIR   enid's runtime directory (default " ENID_RUN_DIR ")\n"
	"  -h, --help          show this help\n";

static const char reload_usage[] =
	"Usage: enictl reload [--run-dir DIR]\n"
	"Make enid re-read its configuration file. If the file has errors, enid keeps the\n"
	"configuration it has, and enictl prints every error ('file:line: message') and\n"
	"exits 1. Otherwise enid re-plans every link and applies the difference before\n"
	"answering.\n"
	"\n"
	"Options:\n"
	"      --run-dir DIR   enid's runtime directory (default " ENID_RUN_DIR ")\n"
	"  -h, --help          show this help\n";

static const char resync_usage[] =
	"Usage: enictl resync [--run-dir DIR]\n"
	"Make enid read its event source's full state again (as after lost events), diff\n"
	"every link against what the kernel holds, and delete orphaned rules and routes\n"
	"of its own. Returns once the resync has started.\n"
	"\n"
	"Options:\n"
	"      --run-dir DIR   enid's runtime directory (default " ENID_RUN_DIR ")\n"
	"  -h, --help          show this help\n";

static const char refresh_usage[] =
	"Usage: enictl refresh [IFNAME|MAC] [--run-dir DIR]\n"
	"Make enid read the metadata service again for the link named by its interface\n"
	"name or MAC (default: every link addressed from metadata) and, once the answer\n"
	"is complete and valid, apply only the difference: a secondary IP assigned since\n"
	"appears, one unassigned disappears, nothing else is touched. An incomplete or\n"
	"failed read changes nothing (enictl status shows why it waits). Returns once the\n"
	"read has started. Exits 1 for an unknown link or one with static addressing.\n"
	"\n"
	"Options:\n"
	"      --run-dir DIR   enid's runtime directory (default " ENID_RUN_DIR ")\n"
	"  -h, --help          show this help\n";

static const char flush_usage[] =
	"Usage: enictl flush [--run-dir DIR]\n"
	"Make enid remove every address, route and policy rule it added (and the dispatch\n"
	"rules in front of them), set the ENIs' arp_ignore and arp_announce back to the\n"
	"values a new interface gets, and restore net.ipv4.conf.all.arp_filter; links\n"
	"stay up or down as they are. enid then exits: start it again to configure the\n"
	"ENIs again. Prints what was removed; exits 1 if anything of enid's is left.\n"
	"Without a running enid, 'enid --flush' does the same.\n"
	"\n"
	"Options:\n"
	"      --run-dir DIR   enid's runtime directory (default " ENID_RUN_DIR ")\n"
	"  -h, --help          show this help\n";

static const char *run_dir = ENID_RUN_DIR;

static void fail_no_module(void)
{
	fprintf(stderr,
		"enictl: eni_notify module not loaded (generic netlink family \"%s\" "
		"not found)\n",
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
		fprintf(stderr, "enictl: generic netlink: %s\n", strerror(-err));
		return 1;
	}
	*grp = genl_ctrl_group(fi, ENI_NOTIFY_MCGRP_EVENTS);
	return 0;
}

static void print_event(const struct eni_event *ev, bool json)
{
	char line[1024];

	if (eni_event_format(ev, json, line, sizeof(line)) < 0)
		return;
	printf("%s\n", line);
}

struct dump_ctx {
	uint16_t fam_id;
	bool json;
	unsigned int n;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct eni_event ev;

	if (nlh->nlmsg_type != c->fam_id || eni_msg_parse(nlh, &ev) < 0)
		return MNL_CB_OK;
	print_event(&ev, c->json);
	c->n++;
	return MNL_CB_OK;
}

static int cmd_dump(bool json)
{
	char req[ENI_MSG_REQ_SIZE] __attribute__((aligned(8)));
	struct genl_family_info fi;
	struct dump_ctx c = {.json = json};
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	char ebuf[128];
	uint32_t grp;
	int err;

	if (resolve_family(&fi, &grp))
		return 1;
	c.fam_id = fi.id;
	nl = nl_open(NETLINK_GENERIC, NL_BLOCKING, 0);
	if (!nl) {
		fprintf(stderr, "enictl: netlink: %m\n");
		return 1;
	}
	nlh = eni_msg_build_dump(req, sizeof(req), fi.id, 1);
	err = nlh ? nl_transact(nl, nlh, dump_cb, &c, ebuf, sizeof(ebuf)) : -EINVAL;
	mnl_socket_close(nl);
	if (err) {
		fprintf(stderr, "enictl: dump: %s%s%s\n", strerror(-err), ebuf[0] ? ": " : "",
			ebuf);
		return 1;
	}
	return 0;
}

static int cmd_monitor(bool json)
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
		fprintf(stderr, "enictl: family \"%s\" has no \"%s\" group\n",
			ENI_NOTIFY_FAMILY_NAME, ENI_NOTIFY_MCGRP_EVENTS);
		return 1;
	}
	nl = nl_open(NETLINK_GENERIC, NL_BLOCKING, 4 * 1024 * 1024);
	if (!nl) {
		fprintf(stderr, "enictl: netlink: %m\n");
		return 1;
	}
	err = nl_join(nl, grp);
	if (err) {
		fprintf(stderr, "enictl: joining %s/%s: %s%s\n", ENI_NOTIFY_FAMILY_NAME,
			ENI_NOTIFY_MCGRP_EVENTS, strerror(-err),
			err == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
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
			fprintf(stderr, "enictl: events lost (receive buffer overrun)\n");
			continue;
		}
		if (n < 0) {
			fprintf(stderr, "enictl: netlink: %s\n", strerror((int)-n));
			break;
		}
		nl_walk_init(&w, buf, (size_t)n);
		while ((nlh = nl_walk_next(&w))) {
			struct genl_family_info cf;
			struct eni_event ev;

			if (nlh->nlmsg_type == GENL_ID_CTRL) {
				if (!genl_ctrl_parse(nlh, &cf) && cf.cmd == CTRL_CMD_DELFAMILY &&
				    !strcmp(cf.name, ENI_NOTIFY_FAMILY_NAME)) {
					fprintf(stderr, "enictl: eni_notify module unloaded\n");
					mnl_socket_close(nl);
					return 1;
				}
				continue;
			}
			if (nlh->nlmsg_type != fi.id || eni_msg_parse(nlh, &ev) < 0)
				continue;
			if (last_seq && ev.seq > last_seq + 1)
				fprintf(stderr, "enictl: missed events %llu..%llu\n",
					(unsigned long long)last_seq + 1,
					(unsigned long long)ev.seq - 1);
			if (ev.seq > last_seq)
				last_seq = ev.seq;
			print_event(&ev, json);
		}
		if (w.err)
			fprintf(stderr,
				"enictl: malformed netlink datagram: %s; its rest dropped\n",
				strerror(-w.err));
	}
	mnl_socket_close(nl);
	return 1;
}

/* One request over the control socket; prints the answer. */
static int cmd_ctl(const char *request)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[65536];
	size_t len = 0, cap = 0;
	char *resp = NULL, *body;
	bool ok;
	int fd;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", run_dir, ENID_SOCK_NAME) >=
	    sizeof(sa.sun_path)) {
		fprintf(stderr, "enictl: %s: path too long\n", run_dir);
		return 1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "enictl: cannot reach enid at %s: %m%s\n", sa.sun_path,
			errno == ENOENT || errno == ECONNREFUSED ? " (is enid running?)"
			: errno == EACCES			 ? " (root only)"
								 : "");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	/* EPIPE: enid answered and closed before reading (it refuses when busy); read on */
	len = (size_t)snprintf(buf, sizeof(buf), "%s\n", request);
	if (len >= sizeof(buf) || (send(fd, buf, len, MSG_NOSIGNAL) < 0 && errno != EPIPE)) {
		fprintf(stderr, "enictl: sending to enid: %s\n",
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
			fprintf(stderr, "enictl: reading from enid: %m\n");
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
				fprintf(stderr, "enictl: out of memory\n");
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
		fprintf(stderr, "enictl: enid closed the connection without answering\n");
		return 1;
	}
	resp[len] = '\0';
	body = strchr(resp, '\n');
	body = body ? body + 1 : resp + len;
	ok = !strncmp(resp, "ok\n", 3);
	if (ok) {
		fputs(body, stdout);
	} else {
		char *line, *save = NULL;

		for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			fprintf(stderr, "enictl: %s\n", line);
	}
	free(resp);
	return ok ? 0 : 1;
}

struct command {
	const char *name;
	const char *usage;
	bool has_json;
};

static const struct command commands[] = {
	{"monitor", monitor_usage, true}, {"dump", dump_usage, true},
	{"status", status_usage, true},	  {"reload", reload_usage, false},
	{"resync", resync_usage, false},  {"refresh", refresh_usage, false},
	{"flush", flush_usage, false},
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "enictl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'enictl %s%s--help' for more information.\n", cmd ? cmd : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	enum { OPT_RUN_DIR = 256, OPT_JSON };
	static const struct option gopts[] = {
		{"run-dir", required_argument, NULL, OPT_RUN_DIR},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	static const struct option copts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"run-dir", required_argument, NULL, OPT_RUN_DIR},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const struct command *cmd;
	bool json = false;
	int opt;

	/* global options stop at the command name */
	while ((opt = getopt_long(argc, argv, "+hV", gopts, NULL)) != -1) {
		switch (opt) {
		case OPT_RUN_DIR:
			run_dir = optarg;
			break;
		case 'h':
			fputs(main_usage, stdout);
			return 0;
		case 'V':
			printf("enictl %s\n", ENID_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'enictl --help' for more information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error(NULL, "%s", "missing command");
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 < argc) {
			cmd = find_command(argv[optind + 1]);
			if (!cmd)
				return usage_error(NULL, "unknown command '%s'", argv[optind + 1]);
			fputs(cmd->usage, stdout);
		} else {
			fputs(main_usage, stdout);
		}
		return 0;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return usage_error(NULL, "unknown command '%s'", argv[optind]);
	argc -= optind;
	argv += optind;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", copts, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON:
			if (!cmd->has_json)
				return usage_error(cmd->name, "%s", "this command has no --json");
			json = true;
			break;
		case OPT_RUN_DIR:
			run_dir = optarg;
			break;
		case 'h':
			fputs(cmd->usage, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'enictl %s --help' for more information.\n",
				cmd->name);
			return EXIT_USAGE;
		}
	}
	if (!strcmp(cmd->name, "refresh") && optind + 1 < argc)
		return usage_error(cmd->name, "unexpected argument '%s'", argv[optind + 1]);
	if (!strcmp(cmd->name, "refresh") && optind + 1 == argc) {
		char req[128];

		if (strlen(argv[optind]) > 64 || strpbrk(argv[optind], " \t\n"))
			return usage_error(cmd->name, "'%s' is not an interface name or MAC",
					   argv[optind]);
		snprintf(req, sizeof(req), "refresh %s", argv[optind]);
		return cmd_ctl(req);
	}
	if (optind < argc)
		return usage_error(cmd->name, "unexpected argument '%s'", argv[optind]);
	if (!strcmp(cmd->name, "monitor"))
		return cmd_monitor(json);
	if (!strcmp(cmd->name, "dump"))
		return cmd_dump(json);
	if (!strcmp(cmd->name, "status"))
		return cmd_ctl(json ? "status json" : "status");
	return cmd_ctl(cmd->name);
}
