// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enid: configures hot-plugged ENIs (secondary NICs) at once, with symmetric policy
 * routing. This file holds main and wires the parts together, each through its own
 * header: one epoll loop (loop.h); the event sources (src_genl.h, src_rtnl.h,
 * src_udev.h) report to the link manager (links.h), which asks addressing
 * (addressing.h) and is applied by apply.h; the control socket (ctl.h) reaches them
 * through ctl_ops; signalfd and one timerfd for every timer. It owns the config and
 * the choice of event source.
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
#include "apply.h"
#include "config_read.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "flush.h"
#include "links.h"
#include "log.h"
#include "loop.h"
#include "nl_util.h"
#include "owned_file.h"
#include "src_genl.h"
#include "src_rtnl.h"
#include "src_udev.h"
#include "status.h"
#include "udev_claim.h"
#include "util.h"
#include "version.h"

#define REQ_RCVBUF (4 * 1024 * 1024)

enum enid_mode { MODE_NONE, MODE_GENL, MODE_RTNL };

/* The composition root: every part, and what only the daemon as a whole decides. */
struct enid {
	struct loop loop;
	struct enid_config cfg; /* the parts keep &cfg: a reload replaces its contents */
	char config_path[PATH_MAX];
	bool config_is_default; /* a missing default file means all defaults */
	char run_dir[PATH_MAX];
	int source_opt; /* -1 = as config, else enum enid_source */
	enum enid_mode mode;
	bool degraded_logged;

	struct src_ops src_ops; /* what the sources report: to lk */
	struct genl_src genl;
	struct rtnl_src rtnl;
	struct udev_src udev;

	struct links lk;	  /* the links and what enid owns in the kernel */
	struct addr_sources addr; /* where their addresses come from */
	struct ctl_ops ctl_ops;
	struct ctl ctl;

	struct watch sig_w;
	struct watch timer_w;
	uint64_t timer_at;
	bool notified_ready;
	uint64_t ready_by; /* READY=1 at the latest then (links present at start settled) */
};

static void enid_timer_rearm(struct enid *d);

static const char usage_text[] =
	"Usage: enid [OPTION]...\n"
	"Configure hot-plugged secondary network interfaces (ENIs) as they appear:\n"
	"link up, addresses, routes whose metrics never beat the primary's, and policy\n"
	"routing so traffic that arrives on an ENI leaves through it.\n"
	"\n"
	"Options:\n"
	"  -c, --config PATH     configuration file (default " ENID_CONFIG_PATH ");\n"
	"                        a missing default file means all defaults\n"
	"      --check-config    parse the configuration and its drop-ins (enid.conf.d/*.conf\n"
	"                        next to it), print every error as\n"
	"                        'file:line: message', exit 1 if there is any, else exit 0\n"
	"                        silently\n"
	"      --flush           remove every address, route, rule and sysctl enid added\n"
	"                        (the run dir's records, protocol 222 in enid's ranges),\n"
	"                        restore arp_filter, exit 0 when nothing is left; for\n"
	"                        package scripts, when enid is not running\n"
	"      --udev-claim KERNEL [NAME]\n"
	"                        for the udev rule 81-enid.rules: print ENID_MANAGED=1 and\n"
	"                        NM_UNMANAGED=1 when enid manages link KERNEL (to be named\n"
	"                        NAME), else ENID_MANAGED=0 and ENID_REASON=<why>; the\n"
	"                        daemon's decision, without waiting; always exits 0\n"
	"      --run-dir DIR     runtime directory for the control socket and slots\n"
	"                        (default " ENID_RUN_DIR "; created 0755)\n"
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
	"table table_base+s, the rule priority rule_pref_base+2+s for its addresses' rules,\n"
	"rule_pref_base+259+4(s-1)..+3 for its chain, and main-table metric metric_base+s.\n"
	"Slots are kept in RUN_DIR/slots so a restart keeps them.\n"
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

static const char *enid_mode_name(enum enid_mode m)
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

static void enid_timer_rearm(struct enid *d)
{
	struct itimerspec its = {0};
	uint64_t at = links_next_timer(&d->lk), t;

	if (!d->notified_ready && d->ready_by && (!at || d->ready_by < at))
		at = d->ready_by;
	t = rtnl_source_next_timer(&d->rtnl);
	if (t && (!at || t < at))
		at = t;
	t = addressing_next_timer(&d->addr); /* DHCP: retransmissions, T1, T2, expiry */
	if (t && (!at || t < at))
		at = t;
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
	links_timer(&d->lk, now);
	rtnl_source_timer(&d->rtnl, now);
	addressing_timer(&d->addr, now);
	enid_timer_rearm(d);
}

static void enid_set_mode(struct enid *d, enum enid_mode m)
{
	int err;

	enum enid_mode old = d->mode;

	if (m == d->mode)
		return;
	d->mode = m;
	d->genl.s.active = m == MODE_GENL;
	d->rtnl.s.active = m == MODE_RTNL;
	if (m == MODE_GENL) {
		rtnl_source_stop(&d->rtnl);
		log_info("event source: eni_notify generic netlink");
		/* right after the module loaded its dump can be short (the family registers
		 * before the module has listed the present devices), so after a switch from
		 * rtnetlink the first dump only adds; rtnetlink still reports removals */
		err = genl_source_start_dump(&d->genl, old == MODE_RTNL);
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
		err = rtnl_source_start(&d->rtnl);
		if (err)
			log_err("rtnetlink link dump: %s", strerror(-err));
	}
}

static void enid_resync(struct enid *d, const char *why)
{
	int err = 0;

	log_info("resync: %s", why);
	links_reevaluate(&d->lk);
	if (d->mode == MODE_GENL)
		err = genl_source_start_dump(&d->genl, false);
	else if (d->mode == MODE_RTNL)
		err = rtnl_source_start(&d->rtnl);
	if (err)
		log_err("resync dump: %s", strerror(-err));
}

static struct links *lk_of(void *ctx)
{
	return &((struct enid *)ctx)->lk;
}

/* src_ops: what the event sources report (src.h) */
static void src_seen(void *ctx, const struct link_facts *f, const char *bus_info, uint64_t us)
{
	links_seen(lk_of(ctx), f, bus_info, us);
}

static void src_gone(void *ctx, int ifindex)
{
	links_gone(lk_of(ctx), ifindex);
}

static void src_dump_begin(void *ctx)
{
	links_dump_begin(lk_of(ctx));
}

static void src_dump_done(void *ctx, bool sweep)
{
	links_dump_done(lk_of(ctx), sweep);
}

static void src_resync(void *ctx, const char *why)
{
	enid_resync(ctx, why);
}

/* The eni_notify family came or went: the event source follows (config source =). */
static void src_family(void *ctx, bool up)
{
	struct enid *d = ctx;

	if (up && d->source_opt != ENID_SOURCE_RTNL)
		enid_set_mode(d, MODE_GENL);
	else if (!up && d->source_opt == ENID_SOURCE_AUTO)
		enid_set_mode(d, MODE_RTNL);
	else if (!up && d->mode == MODE_GENL)
		d->mode = MODE_NONE, d->genl.s.active = false;
}

static bool src_known_driver(void *ctx, int ifindex, char *driver, size_t len)
{
	struct enid *d = ctx;
	struct link *l = links_find(&d->lk, ifindex);

	if (l)
		snprintf(driver, len, "%s", l->facts.driver);
	return l != NULL;
}

static void src_udev_ready(void *ctx, int ifindex, const char *ifname)
{
	links_udev_ready(lk_of(ctx), ifindex, ifname);
}

/* A part's next timer moved: on_idle rearms once at the end of the loop turn (a burst
 * moves it once per link and announcement), and once before the loop starts. */
static void src_timer_changed(void *ctx)
{
	(void)ctx;
}

static void apply_udev_gate(struct enid *d)
{
	bool gate = udev_should_gate(&d->cfg);
	bool running = udev_source_running(&d->udev);

	if (gate && !running && udev_source_open(&d->udev, &d->loop, &d->src_ops) < 0)
		gate = false;
	if (!gate && running)
		udev_source_close(&d->udev);
	if (gate != d->lk.udev_gate)
		log_info("udev: %s", gate ? "configuring links once udev initialized them"
					  : "not waiting for udev");
	d->lk.udev_gate = gate;
}

static int enid_reload(struct enid *d, char **msgs)
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
	/* enid owns by these ranges: moved under live state, what it added before would be
	 * nobody's (and a chain left without its barrier would catch every lookup) */
	if (cfg.table_base != d->cfg.table_base || cfg.rule_pref_base != d->cfg.rule_pref_base ||
	    cfg.metric_base != d->cfg.metric_base) {
		log_warn(
			"reload: table_base, rule_pref_base and metric_base keep their values (%u, "
			"%u, %u): to change them, run enid --flush, then start enid with the new "
			"configuration",
			d->cfg.table_base, d->cfg.rule_pref_base, d->cfg.metric_base);
		cfg.table_base = d->cfg.table_base;
		cfg.rule_pref_base = d->cfg.rule_pref_base;
		cfg.metric_base = d->cfg.metric_base;
	}
	config_free(&d->cfg);
	d->cfg = cfg;
	addressing_reconfigure(&d->addr);
	log_info("reload: %s loaded (%u ENI sections)", d->config_path, d->cfg.n_enis);
	if (!d->cfg.primary_ifname[0] && !d->cfg.has_primary_mac && !d->lk.primary_ifindex)
		d->lk.primary_ifindex = apply_find_primary(&d->lk);
	apply_udev_gate(d);
	links_reevaluate(&d->lk);
	apply_pass(&d->lk);
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

/*
 * READY=1 once every link present at start is configured or has failed (or waits on
 * nothing enid can hurry), bounded by metadata_deadline_s: a unit ordered after enid
 * then finds the ENIs answering.
 */
static void maybe_ready(struct enid *d)
{
	unsigned int managed = 0, configured = 0, waiting = 0;
	uint64_t now = now_us();

	for (unsigned int i = 0; i < d->lk.lt.n; i++) {
		const struct link *l = d->lk.lt.v[i];

		if (status_unconfigured(&d->lk, l, NULL))
			continue; /* nothing to configure: neither managed nor waited for */
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
	addressing_idle(&d->addr); /* metadata answers may make links pending: same turn */
	apply_pass(&d->lk);
	if (d->lk.synced && !d->notified_ready)
		maybe_ready(d);
	enid_timer_rearm(d); /* a DHCP client's timer moves with its packets */
}

/* ctl_ops: the control socket's requests (ctl_proto.h) */
static void ctl_status(void *ctx, bool json, struct sbuf *out)
{
	struct enid *d = ctx;

	status_format(&d->lk, enid_mode_name(d->mode), d->mode == MODE_RTNL, json, out);
}

static int ctl_reload(void *ctx, char **msgs)
{
	return enid_reload(ctx, msgs);
}

static int ctl_refresh(void *ctx, const char *what, struct sbuf *out)
{
	struct enid *d = ctx;

	return addressing_refresh(&d->addr, what, out);
}

static void ctl_resync(void *ctx, const char *why)
{
	enid_resync(ctx, why);
}

static int ctl_flush(void *ctx, struct sbuf *out)
{
	struct enid *d = ctx;
	int r = flush_all(&d->cfg, d->run_dir, out);

	if (r < 0)
		sbuf_printf(out, "flush: %s\n", strerror(-r));
	log_info("flush requested over the control socket: %s; exiting",
		 r ? "something is left" : "nothing of enid's is left");
	d->loop.quit = 1;
	return r;
}

/* kwatch_ops: what others did to enid's objects (links) or to addresses (addressing) */
static void kw_undone(void *ctx, const struct kwatch_undone *u)
{
	links_undone(lk_of(ctx), u);
}

static void kw_lost(void *ctx)
{
	links_undone_lost(lk_of(ctx));
}

static void kw_addr_changed(void *ctx, int ifindex)
{
	addressing_addr_changed(&((struct enid *)ctx)->addr, ifindex);
}

static const struct kwatch_ops kwatch_ops = {
	.undone = kw_undone,
	.lost = kw_lost,
	.addr_changed = kw_addr_changed,
};

static void links_timer_changed(void *ctx)
{
	(void)ctx; /* as src_timer_changed */
}

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

static int start_sources(struct enid *d)
{
	int err;

	d->src_ops = (struct src_ops){
		.seen = src_seen,
		.gone = src_gone,
		.dump_begin = src_dump_begin,
		.dump_done = src_dump_done,
		.resync = src_resync,
		.family = src_family,
		.known_driver = src_known_driver,
		.udev_ready = src_udev_ready,
		.timer_changed = src_timer_changed,
		.ctx = d,
	};
	err = rtnl_source_open(&d->rtnl, &d->loop, &d->src_ops);
	if (err) {
		log_err("rtnetlink event socket: %s", strerror(-err));
		return err;
	}
	if (d->source_opt != ENID_SOURCE_RTNL) {
		err = genl_source_open(&d->genl, &d->loop, &d->src_ops);
		if (err && d->source_opt == ENID_SOURCE_GENL) {
			log_err("generic netlink: %s", strerror(-err));
			return err;
		}
	}
	if (d->source_opt == ENID_SOURCE_RTNL) {
		enid_set_mode(d, MODE_RTNL);
	} else if (genl_source_present(&d->genl)) {
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
	ctl_close(&d->ctl);
	udev_source_close(&d->udev);
	genl_source_close(&d->genl);
	rtnl_source_close(&d->rtnl);
	kwatch_close(&d->lk.kwatch);
	apply_close(&d->lk);
	if (d->sig_w.fd >= 0)
		close(d->sig_w.fd);
	if (d->timer_w.fd >= 0)
		close(d->timer_w.fd);
	links_free_all(&d->lk);
	announcer_close(&d->lk.ann);
	addressing_close(&d->addr);
	kstate_free(&d->lk.ks);
	owned_free(&d->lk.owned);
	config_free(&d->cfg);
	loop_fini(&d->loop);
}

/* enid --flush: for package scripts, when enid is not running. Exit 0: nothing of
 * enid's is left. */
static int flush_offline(struct enid_config *cfg, const char *run_dir)
{
	struct sbuf out = {0};
	char sock[PATH_MAX + 16];
	int fd, r;

	snprintf(sock, sizeof(sock), "%s/%s", run_dir, ENID_SOCK_NAME);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		r = -1;
		if (strlen(sock) < sizeof(sa.sun_path)) {
			memcpy(sa.sun_path, sock, strlen(sock) + 1);
			r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		}
		close(fd);
		if (!r) {
			fprintf(stderr,
				"enid --flush: enid is running (%s); use 'enictl flush' "
				"or stop it first\n",
				sock);
			config_free(cfg);
			return 1;
		}
	}
	r = flush_all(cfg, run_dir, &out);
	if (out.s)
		fputs(out.s, r ? stderr : stdout);
	if (r < 0)
		fprintf(stderr, "enid --flush: %s\n", strerror(-r));
	sbuf_free(&out);
	config_free(cfg);
	return r ? 1 : 0;
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

/* enid --udev-claim: udev's answer on stdout, errors on stderr (udev's log); exit 0. */
static int udev_claim_main(struct enid *d, const char *kernel, const char *name)
{
	char *msgs = NULL;
	int err = load_config(d->config_path, d->config_is_default, &d->cfg, &msgs);

	if (err)
		fputs(msgs ? msgs : "enid: cannot load the configuration\n", stderr);
	free(msgs);
	udev_claim_print(err ? NULL : &d->cfg, kernel, name, stdout);
	if (!err)
		config_free(&d->cfg);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_RUN_DIR, OPT_SOURCE, OPT_FLUSH, OPT_UDEV_CLAIM };
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, OPT_CHECK},
		{"flush", no_argument, NULL, OPT_FLUSH},
		{"udev-claim", required_argument, NULL, OPT_UDEV_CLAIM},
		{"run-dir", required_argument, NULL, OPT_RUN_DIR},
		{"source", required_argument, NULL, OPT_SOURCE},
		{"foreground", no_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	static struct enid d; /* big; zeroed */
	bool check_only = false, flush = false;
	int verbose = 0, cli_source = -1, opt, err;
	char *msgs = NULL;
	const char *udev_claim = NULL;

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
		case OPT_FLUSH:
			flush = true;
			break;
		case OPT_UDEV_CLAIM:
			udev_claim = optarg;
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
	if (udev_claim)
		return udev_claim_main(&d, udev_claim, optind < argc ? argv[optind] : NULL);
	if (optind < argc) {
		fprintf(stderr,
			"enid: unexpected argument '%s'\n"
			"Try 'enid --help' for more information.\n",
			argv[optind]);
		return 2;
	}
	log_init("enid", verbose);

	err = load_config(d.config_path, d.config_is_default, &d.cfg, &msgs);
	if (err && flush) {
		/* removal must not stop at a config edited since enid last ran */
		fputs(msgs ? msgs : "", stderr);
		fputs("enid --flush: the configuration has errors; using the default ranges\n",
		      stderr);
		free(msgs);
		config_defaults(&d.cfg);
		return flush_offline(&d.cfg, d.run_dir);
	}
	if (err) {
		fputs(msgs ? msgs : "enid: cannot load the configuration\n", stderr);
		free(msgs);
		return 1;
	}
	if (check_only) {
		config_free(&d.cfg);
		return 0;
	}
	if (flush)
		return flush_offline(&d.cfg, d.run_dir);
	d.source_opt = cli_source >= 0 ? cli_source : (int)d.cfg.source;
	srandom((unsigned int)(now_us() ^ (uint64_t)getpid()));

	d.sig_w.fd = d.timer_w.fd = d.ctl.fd = -1;
	d.lk = (struct links){
		.cfg = &d.cfg,
		.loop = &d.loop,
		.addr = &d.addr,
		.udev = &d.udev,
		.timer_changed = links_timer_changed,
		.ctx = &d,
	};
	d.addr = (struct addr_sources){
		.cfg = &d.cfg,
		.loop = &d.loop,
		.lt = &d.lk.lt,
		.primary_ifindex = &d.lk.primary_ifindex,
		.ops = &links_addressing_ops,
		.ctx = &d.lk,
		.run_dir = d.run_dir,
	};
	announcer_init(&d.lk.ann, d.run_dir);
	err = loop_init(&d.loop);
	if (!err)
		err = open_signals(&d);
	if (!err)
		err = open_timer(&d);
	if (!err)
		err = apply_open(&d.lk, REQ_RCVBUF);
	if (!err)
		err = kwatch_open(&d.lk.kwatch, &d.loop, &d.cfg, rtreq_portid(&d.lk.rtreq),
				  &kwatch_ops, &d);
	if (!err)
		err = addressing_open(&d.addr);
	if (err) {
		log_err("start-up: %s", strerror(-err));
		goto out;
	}
	d.ctl_ops = (struct ctl_ops){
		.status = ctl_status,
		.reload = ctl_reload,
		.refresh = ctl_refresh,
		.resync = ctl_resync,
		.flush = ctl_flush,
		.ctx = &d,
	};
	err = ctl_open(&d.ctl, &d.loop, d.run_dir, &d.ctl_ops);
	if (err)
		goto out;
	slots_load(&d.lk.slots, d.run_dir);
	owned_load(&d.lk.owned, d.run_dir);
	if (!d.cfg.primary_ifname[0] && !d.cfg.has_primary_mac) {
		d.lk.primary_ifindex = apply_find_primary(&d.lk);
		if (d.lk.primary_ifindex)
			log_info("primary: ifindex %d (main default route)", d.lk.primary_ifindex);
		else
			log_info(
				"primary: no main default route: the first link of a listed driver "
				"without a [MAC] section counts as the primary");
	}
	apply_udev_gate(&d);
	err = start_sources(&d);
	if (err)
		goto out;
	d.ready_by = now_us() + (uint64_t)d.cfg.metadata_deadline_s * 1000000u;
	d.loop.idle = on_idle;
	d.loop.idle_data = &d;
	log_info("enid %s running (run dir %s)", ENID_VERSION, d.run_dir);
	enid_timer_rearm(&d); /* what the start scheduled; then once per loop turn (on_idle) */
	err = loop_run(&d.loop);
out:
	notify_systemd("STOPPING=1");
	teardown(&d);
	return err ? 1 : 0;
}
