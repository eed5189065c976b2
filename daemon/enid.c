// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enid: configures hot-plugged ENIs (secondary NICs) at once, with symmetric policy
 * routing. One epoll loop: event sources (eni_notify genetlink, rtnetlink, udev),
 * signalfd, a retry timerfd, the applier's request socket and the control socket.
 */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <linux/netlink.h>
#include <linux/eni_notify.h>
#include <libmnl/libmnl.h>

#include "addressing.h"
#include "arp.h"
#include "enid.h"
#include "log.h"
#include "nl_util.h"
#include "owned_file.h"
#include "util.h"

#define REQ_RCVBUF (4 * 1024 * 1024)

static const char usage_text[] =
	"Usage: enid [OPTION]...\n"
	"Configure hot-plugged secondary network interfaces (ENIs) as they appear:\n"
	"link up, addresses, routes whose metrics never beat the primary's, and policy\n"
	"routing so traffic that arrives on an ENI leaves through it.\n"
	"\n"
	"Options:\n"
	"  -c, --config PATH     configuration file (default " ENID_CONFIG_PATH ");\n"
	"                        a missing default file means all defaults\n"
	"      --check-config    parse the configuration, print every error as\n"
	"                        'file:line: message', exit 1 if there is any, else exit 0\n"
	"                        silently\n"
	"      --run-dir DIR     runtime directory for the control socket and slots\n"
	"                        (default " ENID_RUN_DIR "; created 0700)\n"
	"      --source SRC      event source: auto, genl or rtnl (default: the config's\n"
	"                        source =, itself auto). auto uses the eni_notify module's\n"
	"                        generic-netlink events when the module is loaded and\n"
	"                        rtnetlink link events (driver read from sysfs) when not,\n"
	"                        switching as the module comes and goes\n"
	"  -f, --foreground      stay in the foreground (enid always does; for init scripts)\n"
	"  -v, --verbose         also log debug messages\n"
	"  -h, --help            show this help and exit\n"
	"  -V, --version         show the version and exit\n"
	"\n"
	"Every route and rule enid adds carries routing protocol 222; enid never deletes\n"
	"anything without it and never touches the primary interface. ENI slot s gets\n"
	"table table_base+s, rule priorities rule_pref_base+3s..+2 and main-table metric\n"
	"metric_base+s. Slots are kept in RUN_DIR/slots so a restart keeps them.\n"
	"\n"
	"A link is configured once udev has initialized it (its final name) when udevd\n"
	"runs in this network namespace; elsewhere at once (config udev = auto|yes|no).\n"
	"\n"
	"Signals: SIGTERM, SIGINT exit (the kernel keeps the configuration); SIGHUP\n"
	"reloads the configuration (on errors the old one stays and each error is logged).\n"
	"Logs go to stderr. Control: enictl status|reload|resync|refresh (see enictl --help).\n"
	"\n"
	"Exit status: 0 on a clean exit, 1 on a start-up error or an invalid\n"
	"configuration, 2 on a usage error.\n";

const char *enid_mode_name(enum enid_mode m)
{
	switch (m) {
	case MODE_GENL:
		return "genl";
	case MODE_RTNL:
		return "rtnl";
	default:
		return "none";
	}
}

/* sd_notify's protocol: one datagram to $NOTIFY_SOCKET; a no-op without systemd. */
static void notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		log_debug("sd_notify: %m");
	close(fd);
}

static int load_config(const char *path, bool is_default, struct enid_config *cfg, char **msgs)
{
	struct config_errors errs;
	struct sbuf b = {0};
	int err = config_load(path, cfg, &errs);

	if (err == -ENOENT && is_default) {
		config_errors_free(&errs);
		config_defaults(cfg);
		return 0;
	}
	if (!err) {
		config_errors_free(&errs);
		return 0;
	}
	for (unsigned int i = 0; i < errs.n; i++)
		sbuf_printf(&b, "%s\n", errs.msg[i]);
	if (!errs.n)
		sbuf_printf(&b, "%s: %s\n", path, strerror(-err));
	config_errors_free(&errs);
	*msgs = b.s;
	return err;
}

void enid_timer_rearm(struct enid *d)
{
	struct itimerspec its = {0};
	uint64_t at = 0;

	for (unsigned int i = 0; i < d->n_links; i++) {
		const struct link *l = d->links[i];
		uint64_t t = l->retry_at;

		if (t && (!at || t < at))
			at = t;
		t = l->udev_deadline;
		if (t && (!at || t < at))
			at = t;
		t = l->announce_left ? l->announce_at : 0;
		if (t && (!at || t < at))
			at = t;
	}
	if (!d->notified_ready && d->ready_by && (!at || d->ready_by < at))
		at = d->ready_by;
	if (d->rtnl_retry_at && (!at || d->rtnl_retry_at < at))
		at = d->rtnl_retry_at;
	if (at == d->timer_at)
		return;
	d->timer_at = at;
	its.it_value.tv_sec = (time_t)(at / 1000000u);
	its.it_value.tv_nsec = (long)(at % 1000000u) * 1000;
	if (!at) /* disarm */
		its.it_value.tv_nsec = 0;
	timerfd_settime(d->timer_w.fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_timer(struct watch *w, uint32_t events)
{
	struct enid *d = w->data;
	uint64_t ticks, now = now_us();

	(void)events;
	if (read(w->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_debug("timerfd: %m");
	d->timer_at = 0;
	links_timer(d, now);
	rtnl_source_timer(d, now);
	enid_timer_rearm(d);
}

void enid_set_mode(struct enid *d, enum enid_mode m)
{
	int err;

	enum enid_mode old = d->mode;

	if (m == d->mode)
		return;
	d->mode = m;
	if (m == MODE_GENL) {
		rtnl_source_stop(d);
		d->genl_switch_dump = old == MODE_RTNL;
		log_info("event source: eni_notify generic netlink");
		err = genl_source_start_dump(d);
		if (err)
			log_err("eni_notify dump: %s", strerror(-err));
		return;
	}
	if (m == MODE_RTNL) {
		if (!d->degraded_logged)
			log_warn("event source: rtnetlink (degraded mode: eni_notify module not "
				 "in use; driver read from sysfs)");
		else
			log_info("event source: rtnetlink");
		d->degraded_logged = true;
		err = rtnl_source_start(d);
		if (err)
			log_err("rtnetlink link dump: %s", strerror(-err));
	}
}

void enid_resync(struct enid *d, const char *why)
{
	int err = 0;

	log_info("resync: %s", why);
	links_reevaluate(d);
	if (d->mode == MODE_GENL)
		err = genl_source_start_dump(d);
	else if (d->mode == MODE_RTNL)
		err = rtnl_source_start(d);
	if (err)
		log_err("resync dump: %s", strerror(-err));
}

static void apply_udev_gate(struct enid *d)
{
	bool gate = udev_should_gate(&d->cfg);

	if (gate && !d->umon && udev_source_open(d) < 0)
		gate = false;
	if (!gate && d->umon)
		udev_source_close(d);
	if (gate != d->udev_gate)
		log_info("udev: %s", gate ? "configuring links once udev initialized them"
					  : "not waiting for udev");
	d->udev_gate = gate;
}

int enid_reload(struct enid *d, char **msgs)
{
	struct enid_config cfg;
	int err;

	*msgs = NULL;
	err = load_config(d->config_path, d->config_is_default, &cfg, msgs);
	if (err) {
		char *line, *save = NULL, *copy = strdup(*msgs ? *msgs : "");

		log_err("reload: keeping the old configuration:");
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			log_err("%s", line);
		free(copy);
		return err;
	}
	if (cfg.source != d->cfg.source)
		log_warn("reload: a new source = takes effect at the next start");
	config_free(&d->cfg);
	d->cfg = cfg;
	addressing_reconfigure(d);
	log_info("reload: %s loaded (%u ENI sections)", d->config_path, d->cfg.n_enis);
	if (!d->cfg.primary_ifname[0] && !d->cfg.has_primary_mac && !d->primary_ifindex)
		d->primary_ifindex = apply_find_primary(d);
	apply_udev_gate(d);
	links_reevaluate(d);
	apply_pass(d);
	return 0;
}

static void on_signal(struct watch *w, uint32_t events)
{
	struct enid *d = w->data;
	struct signalfd_siginfo si;
	char *msgs;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: exiting", (int)si.ssi_signo);
			d->loop.quit = 1;
			break;
		case SIGHUP:
			enid_reload(d, &msgs);
			free(msgs);
			break;
		}
	}
}

static void on_acks(struct watch *w, uint32_t events)
{
	struct enid *d = w->data;

	(void)events;
	rtreq_read(&d->rtreq);
}

/*
 * READY=1 once every link present at start is configured or has failed (or waits on
 * nothing enid can hurry), bounded by metadata_deadline_s: a unit ordered after enid
 * then finds the ENIs answering.
 */
static void maybe_ready(struct enid *d)
{
	unsigned int managed = 0, configured = 0, waiting = 0;
	uint64_t now = now_us();

	for (unsigned int i = 0; i < d->n_links; i++) {
		const struct link *l = d->links[i];

		managed += l->sm.managed;
		configured += l->sm.managed && l->sm.state == LINK_CONFIGURED;
		waiting += !link_settled(l);
	}
	if (waiting && now < d->ready_by) {
		enid_timer_rearm(d);
		return;
	}
	d->notified_ready = true;
	enid_timer_rearm(d);
	log_info("initial sync done: %u managed links, %u configured%s", managed, configured,
		 waiting ? " (the rest still waiting at the deadline)" : "");
	notify_systemd("READY=1");
}

static void on_idle(struct loop *l, void *data)
{
	struct enid *d = data;

	(void)l;
	addressing_idle(d); /* metadata answers may make links pending: same turn */
	apply_pass(d);
	if (d->synced && !d->notified_ready)
		maybe_ready(d);
}

static const struct kwatch_ops kwatch_ops = {
	.undone = links_undone,
	.lost = links_undone_lost,
	.addr_changed = addressing_addr_changed,
};

static int open_signals(struct enid *d)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	return loop_watch(&d->loop, &d->sig_w, fd, on_signal, d);
}

static int open_timer(struct enid *d)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	return loop_watch(&d->loop, &d->timer_w, fd, on_timer, d);
}

static int open_rtnl_sockets(struct enid *d)
{
	int err = apply_open(d, REQ_RCVBUF);

	if (err)
		return err;
	d->rtdump = nl_open(NETLINK_ROUTE, NL_STRICT, 0);
	if (!d->rtdump)
		return -errno;
	return loop_watch(&d->loop, &d->rtreq_w, rtreq_fd(&d->rtreq), on_acks, d);
}

static int start_sources(struct enid *d)
{
	int err;

	err = rtnl_source_open(d);
	if (err) {
		log_err("rtnetlink event socket: %s", strerror(-err));
		return err;
	}
	if (d->source_opt != ENID_SOURCE_RTNL) {
		err = genl_source_open(d);
		if (err && d->source_opt == ENID_SOURCE_GENL) {
			log_err("generic netlink: %s", strerror(-err));
			return err;
		}
	}
	if (d->source_opt == ENID_SOURCE_RTNL) {
		enid_set_mode(d, MODE_RTNL);
	} else if (d->fam_id) {
		enid_set_mode(d, MODE_GENL);
	} else if (d->source_opt == ENID_SOURCE_AUTO) {
		enid_set_mode(d, MODE_RTNL);
	} else {
		log_warn("source = genl: eni_notify module not loaded (generic netlink family "
			 "\"%s\" not found); waiting for it",
			 ENI_NOTIFY_FAMILY_NAME);
	}
	return 0;
}

static void teardown(struct enid *d)
{
	ctl_close(d);
	udev_source_close(d);
	genl_source_close(d);
	rtnl_source_close(d);
	kwatch_close(&d->kwatch);
	apply_close(d);
	if (d->rtdump)
		mnl_socket_close(d->rtdump);
	if (d->sig_w.fd >= 0)
		close(d->sig_w.fd);
	if (d->timer_w.fd >= 0)
		close(d->timer_w.fd);
	links_free_all(d);
	announcer_close(&d->ann);
	addressing_close(d);
	kstate_free(&d->ks);
	owned_free(&d->owned);
	config_free(&d->cfg);
	loop_fini(&d->loop);
}

static int parse_source(const char *s)
{
	if (!strcmp(s, "auto"))
		return ENID_SOURCE_AUTO;
	if (!strcmp(s, "genl"))
		return ENID_SOURCE_GENL;
	if (!strcmp(s, "rtnl"))
		return ENID_SOURCE_RTNL;
	return -1;
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_RUN_DIR, OPT_SOURCE };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, OPT_CHECK},
		{"run-dir", required_argument, NULL, OPT_RUN_DIR},
		{"source", required_argument, NULL, OPT_SOURCE},
		{"foreground", no_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	static struct enid d; /* big; zeroed */
	bool check_only = false;
	int verbose = 0, cli_source = -1, opt, err;
	char *msgs = NULL;

	snprintf(d.config_path, sizeof(d.config_path), "%s", ENID_CONFIG_PATH);
	d.config_is_default = true;
	snprintf(d.run_dir, sizeof(d.run_dir), "%s", ENID_RUN_DIR);
	while ((opt = getopt_long(argc, argv, "c:fvhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			snprintf(d.config_path, sizeof(d.config_path), "%s", optarg);
			d.config_is_default = false;
			break;
		case OPT_CHECK:
			check_only = true;
			break;
		case OPT_RUN_DIR:
			snprintf(d.run_dir, sizeof(d.run_dir), "%s", optarg);
			break;
		case OPT_SOURCE:
			cli_source = parse_source(optarg);
			if (cli_source < 0) {
				fprintf(stderr, "enid: --source: '%s' is not auto, genl or rtnl\n",
					optarg);
				return 2;
			}
			break;
		case 'f':
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("enid %s\n", ENID_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'enid --help' for more information.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"enid: unexpected argument '%s'\n"
			"Try 'enid --help' for more information.\n",
			argv[optind]);
		return 2;
	}
	log_init("enid", verbose);

	err = load_config(d.config_path, d.config_is_default, &d.cfg, &msgs);
	if (err) {
		fputs(msgs ? msgs : "enid: cannot load the configuration\n", stderr);
		free(msgs);
		return 1;
	}
	if (check_only) {
		config_free(&d.cfg);
		return 0;
	}
	d.source_opt = cli_source >= 0 ? cli_source : (int)d.cfg.source;
	srandom((unsigned int)(now_us() ^ (uint64_t)getpid()));

	d.sig_w.fd = d.timer_w.fd = d.ctl_fd = -1;
	announcer_init(&d.ann, d.run_dir);
	err = loop_init(&d.loop);
	if (!err)
		err = open_signals(&d);
	if (!err)
		err = open_timer(&d);
	if (!err)
		err = open_rtnl_sockets(&d);
	if (!err)
		err = kwatch_open(&d.kwatch, &d.loop, &d.cfg, rtreq_portid(&d.rtreq), &kwatch_ops,
				  &d);
	if (!err)
		err = addressing_open(&d);
	if (err) {
		log_err("start-up: %s", strerror(-err));
		goto out;
	}
	err = ctl_open(&d);
	if (err)
		goto out;
	slots_load(&d.slots, d.run_dir);
	owned_load(&d.owned, d.run_dir);
	if (!d.cfg.primary_ifname[0] && !d.cfg.has_primary_mac) {
		d.primary_ifindex = apply_find_primary(&d);
		if (d.primary_ifindex)
			log_info("primary: ifindex %d (main default route)", d.primary_ifindex);
		else
			log_info("primary: none (no main default route)");
	}
	apply_udev_gate(&d);
	err = start_sources(&d);
	if (err)
		goto out;
	d.ready_by = now_us() + (uint64_t)d.cfg.metadata_deadline_s * 1000000u;
	d.loop.idle = on_idle;
	d.loop.idle_data = &d;
	log_info("enid %s running (run dir %s)", ENID_VERSION, d.run_dir);
	err = loop_run(&d.loop);
out:
	notify_systemd("STOPPING=1");
	teardown(&d);
	return err ? 1 : 0;
}
