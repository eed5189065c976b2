// SPDX-License-Identifier: GPL-2.0
/*
 * enid against the real eni_notify module (what the netns tier, without the
 * module, cannot show): the genetlink source (coldplug from the dump, links
 * from LINK_ADD, removal), the fall-back to rtnetlink when the module goes
 * and the way back, a full resync after a sequence gap and after ENOBUFS
 * (tried again while the kernel refuses the dump with EBUSY), and a real
 * virtio-net hot-plug seen by enid and by `enictl monitor`.
 * Every check reads the kernel's rules, routes and addresses back.
 *
 * The daemon: $ENID (default /opt/eni/sbin/enid), $ENICTL (/opt/eni/sbin/enictl).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

#include "harness.h"
#include "checks.h"
#include "child.h"
#include "enidstat.h"
#include "grabfd.h"
#include "hostctl.h"
#include "rtstate.h"

#define MAX_ENIS 16
/* The virtio NIC the host plugs, and its config section. */
#define VIRTIO_ID "enid1"
#define VIRTIO_MAC "00:16:3e:5e:e1:01"
#define VIRTIO_ADDR "10.72.0.10"
#define VIRTIO_GW "10.72.0.1"
/* A dummy link the module reports but the config does not name. */
#define STRANGER_MAC "02:e1:d0:00:00:f0"

static const char *bin(const char *env, const char *dflt)
{
	const char *p = getenv(env);

	return p && *p ? p : dflt;
}

#define ENID_BIN bin("ENID", "/opt/eni/sbin/enid")
#define ENICTL_BIN bin("ENICTL", "/opt/eni/sbin/enictl")

/* ENI n (1..MAX_ENIS) of the config: a dummy link's MAC, two addresses, a gateway. */
struct eni_def {
	char mac[18];
	char addr[2][16];
	char gw[16];
};

static void eni_def(int n, struct eni_def *d)
{
	snprintf(d->mac, sizeof(d->mac), "02:e1:d0:00:00:%02x", n);
	snprintf(d->addr[0], sizeof(d->addr[0]), "10.71.%d.10", n);
	snprintf(d->addr[1], sizeof(d->addr[1]), "10.71.%d.11", n);
	snprintf(d->gw, sizeof(d->gw), "10.71.%d.1", n);
}

/* A link the test made (or the host plugged), and what enid must give it. */
struct eni {
	bool used, live;
	char name[IFNAMSIZ];
	int ifindex;
	struct eni_def def;
	int naddr;
	unsigned int slot;	/* from enid's status */
};

FIXTURE(enid)
{
	struct rtnl rt;
	struct eni_sock ev;	/* our own listener of the module's events */
	struct child d;		/* enid; its log is d.out */
	struct child mon;	/* enictl monitor --json */
	struct hostctl h;
	bool no_daemon;		/* enid or enictl not installed: every test skips */
	bool plugged;
	char dir[64], conf[96], run[96];
	struct eni enis[MAX_ENIS + 1];	/* [n]: ENI n; [0]: the virtio NIC */
};

/* The config; ENI one_addr (0: none) gets its first address only. */
static int write_config(const char *path, int one_addr)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "[global]\nsource = auto\naddressing = static\ndrivers = dummy,virtio_net\n"
		   "udev = auto\n");
	for (int n = 1; n <= MAX_ENIS; n++) {
		struct eni_def d;

		eni_def(n, &d);
		fprintf(f, "\n[%s]\naddress = %s/24\n", d.mac, d.addr[0]);
		if (n != one_addr)
			fprintf(f, "address = %s/24\n", d.addr[1]);
		fprintf(f, "gateway = %s\n", d.gw);
	}
	fprintf(f, "\n[%s]\naddress = %s/24\ngateway = %s\n", VIRTIO_MAC, VIRTIO_ADDR,
		VIRTIO_GW);
	return fclose(f) ? -errno : 0;
}

FIXTURE_SETUP(enid)
{
	struct stat st;

	self->d.fd = self->mon.fd = self->h.fd = -1;
	if (stat(ENID_BIN, &st) || stat(ENICTL_BIN, &st)) {
		self->no_daemon = true;
		SKIP(return, "%s or %s not installed (mkinitramfs.sh -d)", ENID_BIN,
		     ENICTL_BIN);
	}
	ASSERT_RESET(&self->rt);
	foreign_del();
	/* A test that died left its daemon's rules behind. */
	ASSERT_LE(0, rt_flush(ENID_PROTO));
	snprintf(self->dir, sizeof(self->dir), "/tmp/enid-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->conf, sizeof(self->conf), "%s/enid.conf", self->dir);
	snprintf(self->run, sizeof(self->run), "%s/run", self->dir);
	ASSERT_EQ(0, write_config(self->conf, 0));
	ASSERT_LOAD("drivers=dummy,virtio_net log=1");
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
}

/* The daemon's log on our stderr, as diagnostics. */
static void show_log(const char *who, struct child *c)
{
	char *line, *save = NULL;

	if (!c->out)
		return;
	child_drain(c);
	for (line = strtok_r(c->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "# %s| %s\n", who, line);
}

FIXTURE_TEARDOWN(enid)
{
	struct host_done hd;
	char cmd[128];

	if (self->mon.pid)
		child_stop(&self->mon, 2000);
	if (self->d.pid)
		child_stop(&self->d, 5000);
	if (!_metadata->passed) {
		show_log("enid", &self->d);
		show_log("monitor", &self->mon);
	}
	child_free(&self->mon);
	child_free(&self->d);
	if (self->plugged && !hostctl_unplug(&self->h, VIRTIO_ID))
		hostctl_wait_done(&self->h, "unplug", VIRTIO_ID, WAIT_MS, &hd);
	hostctl_close(&self->h);
	eni_sock_close(&self->ev);
	if (self->rt.nl)
		testenv_cleanup(&self->rt);
	rtnl_close(&self->rt);
	foreign_del();
	rt_flush(ENID_PROTO);
	if (self->dir[0] == '/') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
		if (system(cmd))
			fprintf(stderr, "# %s left behind\n", self->dir);
	}
}

/* ---- enid and enictl ---- */

/* The harness runs a test even when its set-up skipped. */
#define NEED_DAEMON()                                                         \
	do {                                                                  \
		if (self->no_daemon)                                          \
			SKIP(return, "enid or enictl not installed");         \
	} while (0)

static void start_enid(struct __test_metadata *_metadata,
		       FIXTURE_DATA(enid) *self)
{
	char *argv[] = { (char *)ENID_BIN, "--config", self->conf, "--run-dir",
			 self->run, "-v", NULL };
	long at;

	ASSERT_EQ(0, child_start(&self->d, argv, false));
	at = child_wait_for(&self->d, "initial sync done", 0, WAIT_MS);
	ASSERT_LT(0, at) TH_LOG("enid not synced: %s\n%s", strerror((int)-at), self->d.out);
}

/* Waits for needle in enid's log from offset from on; returns the offset past it. */
static size_t wait_log(struct __test_metadata *_metadata,
		       FIXTURE_DATA(enid) *self, size_t from, const char *needle)
{
	long at = child_wait_for(&self->d, needle, from, WAIT_MS);

	ASSERT_LT(0, at) TH_LOG("enid never logged \"%s\" (%s); its log:\n%s", needle,
				strerror((int)-at), self->d.out);
	return (size_t)at;
}

static size_t log_mark(FIXTURE_DATA(enid) *self)
{
	child_drain(&self->d);
	return self->d.len;
}

static void enictl_status(struct __test_metadata *_metadata,
			  FIXTURE_DATA(enid) *self, char *out, size_t len)
{
	char *argv[] = { (char *)ENICTL_BIN, "--run-dir", self->run, "status", "--json",
			 NULL };
	int rc = run_capture(argv, out, len, WAIT_MS);

	ASSERT_EQ(0, rc) TH_LOG("enictl status --json: exit %d: %s", rc, out);
}

static void expect_source(struct __test_metadata *_metadata,
			  FIXTURE_DATA(enid) *self, const char *want)
{
	char st[65536], src[16];

	enictl_status(_metadata, self, st, sizeof(st));
	ASSERT_EQ(0, st_source(st, src, sizeof(src))) TH_LOG("%s", st);
	ASSERT_STREQ(want, src);
}

/* ---- links ---- */

static struct eni *add_eni(struct __test_metadata *_metadata,
			   FIXTURE_DATA(enid) *self, int n, const char *name)
{
	struct eni *e = &self->enis[n];
	uint8_t mac[6];
	int err;

	memset(e, 0, sizeof(*e));
	e->used = e->live = true;
	e->naddr = 2;
	snprintf(e->name, sizeof(e->name), "%s", name);
	eni_def(n, &e->def);
	mac_parse(e->def.mac, mac);
	err = link_add(&self->rt, "dummy", name, mac, &e->ifindex);
	ASSERT_EQ(0, err) TH_LOG("creating %s: %s %s", name, strerror(-err), self->rt.errmsg);
	return e;
}

static void del_eni(struct __test_metadata *_metadata,
		    FIXTURE_DATA(enid) *self, struct eni *e)
{
	ASSERT_EQ(0, link_del(&self->rt, e->ifindex)) TH_LOG("deleting %s", e->name);
	e->live = false;
}

/* Our listener's next LINK_ADD or LINK_DEL (other events skipped). */
static void next_event(struct __test_metadata *_metadata,
		       FIXTURE_DATA(enid) *self, uint8_t cmd, int ifindex,
		       struct eni_link *out)
{
	uint64_t deadline = mono_ns() + (uint64_t)WAIT_MS * 1000000ull;
	int err;

	do {
		err = eni_recv_event(&self->ev, out, ms_left(deadline));
		ASSERT_EQ(0, err) TH_LOG("waiting for %s of %d: %s", eni_cmd_name(cmd),
					 ifindex, strerror(-err));
	} while (out->cmd != cmd || (ifindex && (int)out->ifindex != ifindex));
}

/* The virtio NIC the host plugged, as its LINK_ADD @ev names it. */
static void virtio_eni(struct eni *v, const struct eni_link *ev)
{
	memset(v, 0, sizeof(*v));
	v->used = v->live = true;
	v->naddr = 1;
	v->ifindex = (int)ev->ifindex;
	snprintf(v->name, sizeof(v->name), "%s", ev->ifname);
	snprintf(v->def.mac, sizeof(v->def.mac), "%s", VIRTIO_MAC);
	snprintf(v->def.addr[0], sizeof(v->def.addr[0]), "%s", VIRTIO_ADDR);
	snprintf(v->def.gw, sizeof(v->def.gw), "%s", VIRTIO_GW);
}

/* The host plugs the virtio NIC: its LINK_ADD in @ev, enis[0] describes it. */
static void plug_virtio(struct __test_metadata *_metadata, FIXTURE_DATA(enid) *self,
			struct eni_link *ev)
{
	struct host_done hd;

	ASSERT_EQ(0, hostctl_plug(&self->h, VIRTIO_ID, VIRTIO_MAC));
	self->plugged = true;
	ASSERT_EQ(0, hostctl_wait_done(&self->h, "plug", VIRTIO_ID, WAIT_MS, &hd));
	ASSERT_TRUE(hd.ok) TH_LOG("host: plug failed: %s", hd.err);
	next_event(_metadata, self, ENI_NOTIFY_CMD_LINK_ADD, 0, ev);
	ASSERT_STREQ("virtio_net", ev->driver);
	virtio_eni(&self->enis[0], ev);
}

static void want_of(const struct eni *e, unsigned int slot, struct eni_want *w)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->ifname, sizeof(w->ifname), "%s", e->name);
	w->slot = slot;
	w->n_addrs = e->naddr;
	w->addrs[0] = e->def.addr[0];
	w->addrs[1] = e->def.addr[1];
	w->prefixlen = 24;
	w->gateway = e->def.gw;
}

/*
 * What the live ENIs must have, with the slots enid's status gives them;
 * -1 with why when one is not (yet) configured there.
 */
static int want_from_status(FIXTURE_DATA(enid) *self, const char *st,
			    struct eni_want *want, int *n, char *why, size_t len)
{
	*n = 0;
	for (int i = 0; i <= MAX_ENIS; i++) {
		struct eni *e = &self->enis[i];
		struct st_link sl;

		if (!e->used || !e->live)
			continue;
		if (st_link_by_mac(st, e->def.mac, &sl) || strcmp(sl.state, "configured") ||
		    !sl.slot) {
			snprintf(why, len, "%s (%s) is not configured in enid's status: %s",
				 e->name, e->def.mac, st);
			return -1;
		}
		e->slot = sl.slot;
		want_of(e, sl.slot, &want[(*n)++]);
	}
	return 0;
}

/*
 * enid's status says every live ENI is configured, in distinct slots; then
 * the kernel holds exactly their rules and routes and each link is set up.
 */
static void expect_exact(struct __test_metadata *_metadata,
			 FIXTURE_DATA(enid) *self)
{
	struct eni_want want[MAX_ENIS + 1];
	char st[65536], why[4096];
	int n = 0, k = 0;

	enictl_status(_metadata, self, st, sizeof(st));
	ASSERT_EQ(0, want_from_status(self, st, want, &n, why, sizeof(why))) TH_LOG("%s", why);
	for (int i = 0; i <= MAX_ENIS; i++) {
		struct eni *e = &self->enis[i];
		struct st_link sl;

		if (!e->used || !e->live)
			continue;
		ASSERT_EQ(0, st_link_by_mac(st, e->def.mac, &sl));
		ASSERT_EQ(e->ifindex, sl.ifindex);
		ASSERT_STREQ(e->name, sl.ifname);
		ASSERT_EQ(ENID_TABLE_BASE + sl.slot, sl.table);
		for (int j = 0; j < k; j++)
			ASSERT_NE(want[j].slot, sl.slot) TH_LOG("slot %u twice", sl.slot);
		ASSERT_EQ(0, eni_link_check(&want[k], why, sizeof(why))) TH_LOG("%s", why);
		k++;
	}
	ASSERT_EQ(n, st_slotted_count(st)) TH_LOG("enid has other links in slots: %s", st);
	ASSERT_EQ(0, routing_exact(want, n, why, sizeof(why)))
	TH_LOG("rules/routes of protocol %d: %s", ENID_PROTO, why);
}

/* Are enid's status and the kernel's rules and routes what the live ENIs need? */
static int converged(struct __test_metadata *_metadata, FIXTURE_DATA(enid) *self,
		     char *why, size_t len)
{
	struct eni_want want[MAX_ENIS + 1];
	char st[65536];
	int n;

	enictl_status(_metadata, self, st, sizeof(st));
	if (want_from_status(self, st, want, &n, why, len))
		return -1;
	return routing_exact(want, n, why, len);
}

/*
 * Waits, on rtnetlink's rule and route notifications and enid's log (no
 * sleeping), until the kernel holds exactly the live ENIs' rules and routes.
 */
static void converge(struct __test_metadata *_metadata,
		     FIXTURE_DATA(enid) *self)
{
	uint64_t deadline = mono_ns() + (uint64_t)WAIT_MS * 1000000ull;
	struct mnl_socket *nl;
	char why[4096] = "";
	char buf[8192];
	int fd;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	ASSERT_NE(NULL, nl);
	ASSERT_EQ(0, mnl_socket_bind(nl, (1 << (RTNLGRP_IPV4_ROUTE - 1)) |
				     (1 << (RTNLGRP_IPV4_RULE - 1)), MNL_SOCKET_AUTOPID));
	fd = mnl_socket_get_fd(nl);
	while (converged(_metadata, self, why, sizeof(why)) && ms_left(deadline)) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = self->d.fd, .events = POLLIN },
		};

		poll(pfd, 2, ms_left(deadline));
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == ENOBUFS)
			;
		child_drain(&self->d);
	}
	mnl_socket_close(nl);
	ASSERT_EQ(0, converged(_metadata, self, why, sizeof(why)))
	TH_LOG("no convergence in %d ms: %s", WAIT_MS, why);
}

/*
 * Nothing of protocol ENID_PROTO left. The dispatch's barrier and END go one loop turn
 * after the last slot is freed (they guard its chain until then): waits for them.
 */
static void expect_none(struct __test_metadata *_metadata)
{
	uint64_t deadline = mono_ns() + (uint64_t)WAIT_MS * 1000000ull;
	int rules = -1, routes = -1;

	do {
		ASSERT_EQ(0, rt_count(ENID_PROTO, &rules, &routes));
		if (!rules && !routes)
			break;
		poll(NULL, 0, 10);
	} while (mono_ns() < deadline);
	ASSERT_EQ(0, rules) TH_LOG("rules of protocol %d left", ENID_PROTO);
	ASSERT_EQ(0, routes) TH_LOG("routes of protocol %d left", ENID_PROTO);
}

static void expect_foreign(struct __test_metadata *_metadata)
{
	int rules = 0, routes = 0;

	ASSERT_EQ(0, foreign_count(&rules, &routes));
	ASSERT_EQ(1, rules) TH_LOG("the foreign rule is gone");
	ASSERT_EQ(1, routes) TH_LOG("the foreign route is gone");
}

/* The link enid's status shows for mac. */
static void status_of(struct __test_metadata *_metadata,
		      FIXTURE_DATA(enid) *self, const char *mac, struct st_link *sl)
{
	char st[65536];

	enictl_status(_metadata, self, st, sizeof(st));
	ASSERT_EQ(0, st_link_by_mac(st, mac, sl)) TH_LOG("%s not in %s", mac, st);
}

static size_t wait_configured(struct __test_metadata *_metadata,
			      FIXTURE_DATA(enid) *self, size_t from,
			      const struct eni *e)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "%s: configured: slot", e->name);
	return wait_log(_metadata, self, from, needle);
}

static size_t wait_cleaned(struct __test_metadata *_metadata,
			   FIXTURE_DATA(enid) *self, size_t from, const struct eni *e)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "%s: slot %u cleaned up", e->name, e->slot);
	return wait_log(_metadata, self, from, needle);
}

/* ---- a) the genetlink source ---- */

TEST_F_TIMEOUT(enid, genl_coldplug_event_unplug, 180)
{
	struct eni_link dumped[16], ev;
	struct eni *c0, *c1, *h0;
	struct st_link sl;
	struct eni_ack ack;
	struct rtnl_link k;
	uint8_t smac[6];
	int ndump = 0, stranger;
	size_t at;

	NEED_DAEMON();
	ASSERT_EQ(0, foreign_add());
	c0 = add_eni(_metadata, self, 1, "enit-c0");
	c1 = add_eni(_metadata, self, 2, "enit-c1");
	mac_parse(STRANGER_MAC, smac);
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-x0", smac, &stranger));
	ASSERT_EQ(0, eni_dump(&self->ev, dumped, 16, &ndump, &ack));
	ASSERT_EQ(3, ndump);

	start_enid(_metadata, self);
	at = wait_log(_metadata, self, 0, "event source: eni_notify generic netlink");
	wait_configured(_metadata, self, 0, c0);
	wait_configured(_metadata, self, 0, c1);
	ASSERT_EQ(0, child_count(&self->d, "degraded", 0));
	expect_source(_metadata, self, "genl");
	expect_exact(_metadata, self);
	expect_foreign(_metadata);
	/* Coldplug came from the module's dump: its timestamps are enid's event times. */
	for (int i = 0; i < ndump; i++) {
		struct eni *e = (int)dumped[i].ifindex == c0->ifindex ? c0 :
				(int)dumped[i].ifindex == c1->ifindex ? c1 : NULL;

		if (!e)
			continue;
		status_of(_metadata, self, e->def.mac, &sl);
		ASSERT_EQ((long long)(dumped[i].timestamp / 1000), sl.event_us)
		TH_LOG("%s: enid's event time is not the module's", e->name);
	}
	/* The stranger (no config section) is left alone. */
	ASSERT_EQ(0, link_get(&self->rt, stranger, &k));
	ASSERT_EQ(0, child_count(&self->d, "enit-x0: configured", 0));

	/* Hot-added: configured from the LINK_ADD event. */
	at = log_mark(self);
	h0 = add_eni(_metadata, self, 3, "enit-h0");
	next_event(_metadata, self, ENI_NOTIFY_CMD_LINK_ADD, h0->ifindex, &ev);
	wait_configured(_metadata, self, at, h0);
	expect_exact(_metadata, self);
	status_of(_metadata, self, h0->def.mac, &sl);
	ASSERT_EQ((long long)(ev.timestamp / 1000), sl.event_us)
	TH_LOG("enid's event time is not the LINK_ADD's");
	ASSERT_LE(0, sl.configured_us);
	ASSERT_GT(5000000, sl.configured_us);
	fprintf(stderr, "# figure: enid dummy LINK_ADD -> configured %lld us (addressing %lld us)\n",
		sl.configured_us, sl.addressing_us);

	/* Removed: its rules and table go, the others stay exact. */
	at = log_mark(self);
	del_eni(_metadata, self, h0);
	wait_cleaned(_metadata, self, at, h0);
	expect_exact(_metadata, self);

	at = log_mark(self);
	del_eni(_metadata, self, c0);
	del_eni(_metadata, self, c1);
	wait_cleaned(_metadata, self, at, c0);
	wait_cleaned(_metadata, self, at, c1);
	expect_none(_metadata);
	expect_foreign(_metadata);
	expect_exact(_metadata, self);	/* and enid manages nothing */
	ASSERT_FALSE(child_exited(&self->d));
}

/*
 * A reload that drops an address takes it off the link. enid owns addresses by its
 * record in the run dir, not by IFA_PROTO, which kernels before 5.18 drop silently:
 * on 5.10 the address used to stay and answer ARP (an IP conflict in the VPC).
 */
TEST_F_TIMEOUT(enid, reload_drops_an_address, 180)
{
	struct eni *e;
	size_t at;

	NEED_DAEMON();
	e = add_eni(_metadata, self, 4, "enit-r0");
	start_enid(_metadata, self);
	wait_configured(_metadata, self, 0, e);
	expect_exact(_metadata, self);
	ASSERT_EQ(0, write_config(self->conf, 4));
	at = log_mark(self);
	ASSERT_EQ(0, kill(self->d.pid, SIGHUP));
	wait_log(_metadata, self, at, "reload: ");
	e->naddr = 1;
	wait_log(_metadata, self, at, "enit-r0: reconfigured");
	expect_exact(_metadata, self);	/* exactly one address on enit-r0 */
	ASSERT_FALSE(child_exited(&self->d));
}

/* ---- b) the module goes and comes back ---- */

static void rmmod_and_wait(struct __test_metadata *_metadata,
			   FIXTURE_DATA(enid) *self, const char *line)
{
	size_t at = log_mark(self);
	int err = kmod_unload();

	ASSERT_EQ(0, err) TH_LOG("rmmod eni_notify: %s", strerror(-err));
	wait_log(_metadata, self, at, line);
	expect_source(_metadata, self, "rtnl");
}

static void insmod_and_wait(struct __test_metadata *_metadata,
			    FIXTURE_DATA(enid) *self)
{
	size_t at = log_mark(self);

	eni_sock_close(&self->ev);
	ASSERT_LOAD("drivers=dummy,virtio_net log=1");
	wait_log(_metadata, self, at, "event source: eni_notify generic netlink");
	expect_source(_metadata, self, "genl");
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
}

TEST_F_TIMEOUT(enid, module_unload_fallback_and_back, 180)
{
	struct eni *c0, *r0, *g0;
	struct eni_link ev;
	struct st_link sl;
	size_t at;

	NEED_DAEMON();
	c0 = add_eni(_metadata, self, 4, "enit-c0");
	start_enid(_metadata, self);
	wait_configured(_metadata, self, 0, c0);
	expect_source(_metadata, self, "genl");

	/* rmmod: rtnetlink takes over (said once, as degraded mode). */
	rmmod_and_wait(_metadata, self, "event source: rtnetlink (degraded mode");
	at = log_mark(self);
	r0 = add_eni(_metadata, self, 5, "enit-r0");
	wait_configured(_metadata, self, at, r0);
	expect_exact(_metadata, self);
	status_of(_metadata, self, r0->def.mac, &sl);
	ASSERT_STREQ("dummy", sl.driver);

	/* insmod: back to genetlink; a new link comes by LINK_ADD. */
	insmod_and_wait(_metadata, self);
	at = log_mark(self);
	g0 = add_eni(_metadata, self, 6, "enit-g0");
	next_event(_metadata, self, ENI_NOTIFY_CMD_LINK_ADD, g0->ifindex, &ev);
	wait_configured(_metadata, self, at, g0);
	status_of(_metadata, self, g0->def.mac, &sl);
	ASSERT_EQ((long long)(ev.timestamp / 1000), sl.event_us)
	TH_LOG("configured from something else than the LINK_ADD");
	expect_exact(_metadata, self);

	/* Once more: the degraded-mode warning is not repeated. */
	rmmod_and_wait(_metadata, self, "event source: rtnetlink\n");
	insmod_and_wait(_metadata, self);
	expect_exact(_metadata, self);
	ASSERT_EQ(1, child_count(&self->d, "degraded mode", 0)) TH_LOG("%s", self->d.out);
	ASSERT_EQ(3, child_count(&self->d, "event source: eni_notify generic netlink", 0));
	ASSERT_EQ(2, child_count(&self->d, "event source: rtnetlink", 0));
	/* Nothing configured twice, nothing removed on the way. */
	ASSERT_EQ(3, child_count(&self->d, ": configured: slot", 0)) TH_LOG("%s", self->d.out);
	ASSERT_EQ(0, child_count(&self->d, ": removed", 0)) TH_LOG("%s", self->d.out);
	ASSERT_EQ(0, child_count(&self->d, "cleaned up", 0)) TH_LOG("%s", self->d.out);

	/* Unplugs are seen in genetlink mode after the round trip. */
	at = log_mark(self);
	del_eni(_metadata, self, c0);
	del_eni(_metadata, self, r0);
	del_eni(_metadata, self, g0);
	wait_cleaned(_metadata, self, at, c0);
	wait_cleaned(_metadata, self, at, r0);
	wait_cleaned(_metadata, self, at, g0);
	expect_none(_metadata);
}

/* ---- c) lost events: a full resync ---- */

/* SIGSTOP enid and wait until it is stopped. */
static void stop_enid(struct __test_metadata *_metadata, FIXTURE_DATA(enid) *self)
{
	int status;

	ASSERT_EQ(0, kill(self->d.pid, SIGSTOP));
	ASSERT_EQ(self->d.pid, waitpid(self->d.pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
}

TEST_F_TIMEOUT(enid, resync_on_sequence_gap, 180)
{
	struct eni *w0, *s0, *s1;
	struct eni_link stolen;
	char buf[8192] __attribute__((aligned(8)));
	ssize_t n;
	size_t at;
	int fd;

	NEED_DAEMON();
	start_enid(_metadata, self);
	w0 = add_eni(_metadata, self, 7, "enit-w0");
	wait_configured(_metadata, self, 0, w0);

	/* Take s0's LINK_ADD out of enid's socket while it is stopped. */
	fd = grab_genl_event_socket(self->d.pid);
	ASSERT_LE(0, fd) TH_LOG("enid's genetlink socket: %s", strerror(-fd));
	stop_enid(_metadata, self);
	s0 = add_eni(_metadata, self, 8, "enit-s0");
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	ASSERT_LT(0, n) TH_LOG("nothing queued for enid: %s", strerror(errno));
	ASSERT_EQ(self->ev.family, ((struct nlmsghdr *)buf)->nlmsg_type);
	ASSERT_EQ(0, eni_link_parse(buf, &stolen));
	ASSERT_EQ(ENI_NOTIFY_CMD_LINK_ADD, stolen.cmd);
	ASSERT_EQ(s0->ifindex, (int)stolen.ifindex);
	ASSERT_GT(0, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	close(fd);
	s1 = add_eni(_metadata, self, 9, "enit-s1");
	at = log_mark(self);
	ASSERT_EQ(0, kill(self->d.pid, SIGCONT));

	wait_log(_metadata, self, at, "missed");
	wait_log(_metadata, self, at, "resync: eni_notify sequence gap");
	wait_configured(_metadata, self, at, s1);
	wait_configured(_metadata, self, at, s0);
	expect_exact(_metadata, self);
	converge(_metadata, self);

	at = log_mark(self);
	del_eni(_metadata, self, w0);
	del_eni(_metadata, self, s0);
	del_eni(_metadata, self, s1);
	wait_cleaned(_metadata, self, at, w0);
	wait_cleaned(_metadata, self, at, s0);
	wait_cleaned(_metadata, self, at, s1);
	expect_none(_metadata);
}

/*
 * enid running with one configured link (enit-w0, ENI n) and our listener drained, then
 * enid's genetlink event socket taken from it and enid stopped: the caller shapes what
 * waits on the socket before enid reads it again. Returns the socket; *rcvbuf its size.
 */
static int stopped_with_socket(struct __test_metadata *_metadata, FIXTURE_DATA(enid) *self,
			       int n, struct eni **w0, int *rcvbuf)
{
	socklen_t len = sizeof(*rcvbuf);
	struct eni_link e;
	int fd;

	start_enid(_metadata, self);
	*w0 = add_eni(_metadata, self, n, "enit-w0");
	wait_configured(_metadata, self, 0, *w0);
	while (eni_recv_event(&self->ev, &e, 0) == 0)
		;
	fd = grab_genl_event_socket(self->d.pid);
	ASSERT_LE(0, fd) TH_LOG("enid's genetlink socket: %s", strerror(-fd));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, &len));
	stop_enid(_metadata, self);
	return fd;
}

TEST_F_TIMEOUT(enid, resync_on_overrun, 180)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(int);
	struct eni *w0, *o[6];
	int fd, rcvbuf = 0, tiny = 1, n;
	size_t at;

	NEED_DAEMON();
	fd = stopped_with_socket(_metadata, self, 10, &w0, &rcvbuf);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)));
	for (int i = 0; i < 6; i++) {
		char name[IFNAMSIZ];

		snprintf(name, sizeof(name), "enit-o%d", i);
		o[i] = add_eni(_metadata, self, 11 + i, name);
	}
	del_eni(_metadata, self, o[4]);
	del_eni(_metadata, self, o[5]);
	/* The kernel sent all 8 events (our listener has them) and enid lost some. */
	n = eni_pending_events(&self->ev);
	ASSERT_EQ(8, n);
	len = sizeof(mem);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len));
	ASSERT_LT(0u, mem[SK_MEMINFO_DROPS]) TH_LOG("enid's socket did not overrun");
	TH_LOG("enid's socket: %u messages dropped", mem[SK_MEMINFO_DROPS]);
	/* Its buffer as before (setsockopt doubles what it is given). */
	rcvbuf /= 2;
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)));
	close(fd);
	at = log_mark(self);
	ASSERT_EQ(0, kill(self->d.pid, SIGCONT));

	wait_log(_metadata, self, at, "resync: eni_notify events lost (ENOBUFS)");
	for (int i = 0; i < 4; i++)
		wait_configured(_metadata, self, at, o[i]);
	converge(_metadata, self);
	expect_exact(_metadata, self);
	ASSERT_EQ(0, child_count(&self->d, "enit-o4: configured", 0));
	ASSERT_EQ(0, child_count(&self->d, "enit-o5: configured", 0));

	at = log_mark(self);
	del_eni(_metadata, self, w0);
	wait_cleaned(_metadata, self, at, w0);
	for (int i = 0; i < 4; i++) {
		del_eni(_metadata, self, o[i]);
		wait_cleaned(_metadata, self, at, o[i]);
	}
	expect_none(_metadata);
}

/* A dump request on enid's own socket, as if enid had sent it: 0 or -errno. */
static int foreign_dump(int fd, uint16_t family)
{
	char req[256] __attribute__((aligned(8)));
	size_t n = eni_build_get(req, sizeof(req), family, 0x7e57, 0, true);

	return send(fd, req, n, 0) == (ssize_t)n ? 0 : -errno;
}

/*
 * Events lost while a dump is paused in the kernel on enid's socket (its first
 * part queued, the rest built as enid reads): the resync must still end with
 * every link configured, those whose events were lost included.
 */
TEST_F_TIMEOUT(enid, resync_overrun_during_dump, 180)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(int);
	struct eni *w0, *o[4];
	int fd, err, rcvbuf = 0, tiny = 1;
	size_t at;

	NEED_DAEMON();
	fd = stopped_with_socket(_metadata, self, 10, &w0, &rcvbuf);
	/* The dump runs until enid reads its first part. */
	err = foreign_dump(fd, self->ev.family);
	ASSERT_EQ(0, err) TH_LOG("dump request: %s", strerror(-err));
	/* Events lost: the buffer shrunk below what is queued. */
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)));
	for (int i = 0; i < 4; i++) {
		char name[IFNAMSIZ];

		snprintf(name, sizeof(name), "enit-o%d", i);
		o[i] = add_eni(_metadata, self, 11 + i, name);
	}
	len = sizeof(mem);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len));
	ASSERT_LT(0u, mem[SK_MEMINFO_DROPS]) TH_LOG("enid's socket did not overrun");
	rcvbuf /= 2;
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)));
	close(fd);
	at = log_mark(self);
	ASSERT_EQ(0, kill(self->d.pid, SIGCONT));

	wait_log(_metadata, self, at, "resync: eni_notify events lost (ENOBUFS)");
	for (int i = 0; i < 4; i++)
		wait_configured(_metadata, self, at, o[i]);
	converge(_metadata, self);
	expect_exact(_metadata, self);

	at = log_mark(self);
	del_eni(_metadata, self, w0);
	wait_cleaned(_metadata, self, at, w0);
	for (int i = 0; i < 4; i++) {
		del_eni(_metadata, self, o[i]);
		wait_cleaned(_metadata, self, at, o[i]);
	}
	expect_none(_metadata);
}

/*
 * The resync after a sequence gap finds another dump still running on enid's
 * socket: the kernel refuses enid's dump with EBUSY. enid must try again until
 * a dump succeeds, so the link whose event was lost is configured from it.
 * The running dump stays paused while enid reads the event before it: the
 * kernel builds a dump's next part on a read only when the socket is at most
 * half full, and its first part fills more than half of the buffer set here.
 */
TEST_F_TIMEOUT(enid, resync_dump_busy_retried, 180)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	char buf[8192] __attribute__((aligned(8)));
	socklen_t len = sizeof(int);
	struct eni *w0, *s0, *s1;
	int fd, err, rcvbuf = 0, small;
	size_t at;

	NEED_DAEMON();
	fd = stopped_with_socket(_metadata, self, 7, &w0, &rcvbuf);
	/* s0's LINK_ADD taken away: a gap before s1's. */
	s0 = add_eni(_metadata, self, 8, "enit-s0");
	ASSERT_LT(0, recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) TH_LOG("%s", strerror(errno));
	ASSERT_GT(0, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	s1 = add_eni(_metadata, self, 9, "enit-s1");
	/* Behind s1's event, the first part of a dump enid did not ask for. */
	err = foreign_dump(fd, self->ev.family);
	ASSERT_EQ(0, err) TH_LOG("dump request: %s", strerror(-err));
	len = sizeof(mem);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len));
	/* 1.25 times what is queued (the kernel doubles what it is given). */
	small = (int)(mem[SK_MEMINFO_RMEM_ALLOC] / 8 * 5);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &small, sizeof(small)));
	TH_LOG("queued %u bytes, buffer now %d", mem[SK_MEMINFO_RMEM_ALLOC], 2 * small);
	at = log_mark(self);
	ASSERT_EQ(0, kill(self->d.pid, SIGCONT));

	wait_log(_metadata, self, at, "resync: eni_notify sequence gap");
	wait_log(_metadata, self, at, "eni_notify dump failed: Device or resource busy");
	rcvbuf /= 2;
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)));
	close(fd);
	wait_configured(_metadata, self, at, s1);
	wait_configured(_metadata, self, at, s0);
	wait_log(_metadata, self, at, "eni_notify dump: retry");
	converge(_metadata, self);
	expect_exact(_metadata, self);

	at = log_mark(self);
	del_eni(_metadata, self, w0);
	del_eni(_metadata, self, s0);
	del_eni(_metadata, self, s1);
	wait_cleaned(_metadata, self, at, w0);
	wait_cleaned(_metadata, self, at, s0);
	wait_cleaned(_metadata, self, at, s1);
	expect_none(_metadata);
}

/* ---- d, e) a real virtio-net hot-plug, enid and enictl monitor ---- */

/* Waits for the monitor's line of event for mac, from *pos on. */
static void wait_mon(struct __test_metadata *_metadata, FIXTURE_DATA(enid) *self,
		     const char *event, const char *mac, size_t *pos,
		     struct mon_event *me)
{
	uint64_t deadline = mono_ns() + (uint64_t)WAIT_MS * 1000000ull;

	for (;;) {
		struct pollfd pfd = { .fd = self->mon.fd, .events = POLLIN };

		ASSERT_EQ(0, child_drain(&self->mon));
		if (!mon_find(self->mon.out, pos, event, mac, me))
			return;
		ASSERT_FALSE(self->mon.eof) TH_LOG("enictl monitor ended: %s", self->mon.out);
		ASSERT_NE(0, ms_left(deadline))
		TH_LOG("enictl monitor printed no %s of %s: %s", event, mac, self->mon.out);
		poll(&pfd, 1, ms_left(deadline));
	}
}

TEST_F_TIMEOUT(enid, virtio_hotplug_and_monitor, 240)
{
	char *margv[] = { (char *)ENICTL_BIN, "monitor", "--json", NULL };
	struct eni *v = &self->enis[0];
	struct mon_event me;
	struct host_done hd;
	struct eni_link ev;
	struct st_link sl;
	char pci[64];
	uint8_t smac[6];
	size_t at, mpos = 0;
	long m;
	int x, err;

	NEED_DAEMON();
	err = hostctl_open(&self->h, hostctl_path());
	if (err)
		SKIP(return, "no host control channel %s: %s", hostctl_path(), strerror(-err));
	start_enid(_metadata, self);

	/* The monitor listens once it prints the add of a dummy link made after
	 * it started: make one until it does (its exec and join take a while). */
	ASSERT_EQ(0, child_start(&self->mon, margv, true));
	mac_parse(STRANGER_MAC, smac);
	for (unsigned int i = 0;; i++) {
		char name[IFNAMSIZ], needle[64];

		ASSERT_GT(20u, i) TH_LOG("enictl monitor printed nothing: %s", self->mon.out);
		snprintf(name, sizeof(name), "enit-m%u", i % 100);
		snprintf(needle, sizeof(needle), "\"ifname\":\"%s\"", name);
		ASSERT_EQ(0, link_add(&self->rt, "dummy", name, smac, &x));
		m = child_wait_for(&self->mon, needle, 0, 1000);
		ASSERT_NE(-EPIPE, m) TH_LOG("enictl monitor exited: %s", self->mon.out);
		if (m > 0)
			break;
		ASSERT_EQ(0, link_del(&self->rt, x));
	}

	while (eni_recv_event(&self->ev, &ev, 0) == 0)
		;	/* the dummy links' events */
	at = log_mark(self);
	plug_virtio(_metadata, self, &ev);

	wait_configured(_metadata, self, at, v);
	expect_exact(_metadata, self);
	status_of(_metadata, self, VIRTIO_MAC, &sl);
	ASSERT_EQ((long long)(ev.timestamp / 1000), sl.event_us);
	ASSERT_LE(0, sl.configured_us);
	ASSERT_LE(sl.addressing_us, sl.configured_us);
	ASSERT_EQ(-1, sl.udev_us) TH_LOG("no udevd here: enid must not wait for it");
	fprintf(stderr, "# figure: enid virtio-net hot-plug: kernel event -> configured %lld us"
		" (addressing %lld us)\n", sl.configured_us, sl.addressing_us);

	/* The monitor's add line: MAC, bus info (the PCI function), driver. */
	ASSERT_EQ(0, sysfs_pci_addr(v->name, pci, sizeof(pci)));
	wait_mon(_metadata, self, "add", VIRTIO_MAC, &mpos, &me);
	ASSERT_STREQ(v->name, me.ifname);
	ASSERT_STREQ(pci, me.bus_info);
	ASSERT_STREQ("virtio_net", me.driver);
	ASSERT_STREQ("hotplug", me.origin);
	ASSERT_EQ(ev.seq, me.seq);
	ASSERT_EQ(ev.timestamp, me.time_ns);

	/* HOST unplug: everything of protocol 222 goes. */
	at = log_mark(self);
	v->slot = sl.slot;
	ASSERT_EQ(0, hostctl_unplug(&self->h, VIRTIO_ID));
	ASSERT_EQ(0, hostctl_wait_done(&self->h, "unplug", VIRTIO_ID, WAIT_MS, &hd));
	ASSERT_TRUE(hd.ok) TH_LOG("host: unplug failed: %s", hd.err);
	self->plugged = false;
	v->live = false;
	wait_cleaned(_metadata, self, at, v);
	expect_none(_metadata);
	expect_exact(_metadata, self);

	wait_mon(_metadata, self, "del", VIRTIO_MAC, &mpos, &me);
	ASSERT_STREQ(pci, me.bus_info);
	ASSERT_STREQ(v->name, me.ifname);
}

/* ---- d) fault injection (kernels with CONFIG_FAILSLAB: the kdebug tier) ---- */

static int put_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* The virtio device (virtioN) under the net device @ifname, into @out. */
static int virtio_dev_of(const char *ifname, char *out, size_t len)
{
	char path[128], target[256];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

/* enid's log line holding @needle (after offset @from) as a diagnostic. */
static void show_enid_line(FIXTURE_DATA(enid) *self, size_t from, const char *needle)
{
	const char *hit = strstr(self->d.out + from, needle), *a, *b;

	if (!hit)
		return;
	for (a = hit; a > self->d.out && a[-1] != '\n'; a--)
		;
	b = strchr(hit, '\n');
	if (!b)
		b = hit + strlen(hit);
	fprintf(stderr, "# enid| %.*s\n", (int)(b - a), a);
}

#define VNET_DRV "/sys/bus/virtio/drivers/virtio_net/"
#define FAILSLAB "/sys/kernel/debug/failslab/"
/* The only cache failslab may fail (set at boot: slub_debug=A,skbuff_head_cache): skb
 * heads, so sends fail, not the probe's other allocations. */
#define SKB_FAILSLAB "/sys/kernel/slab/skbuff_head_cache/failslab"

/*
 * Binds virtio device @vdev to virtio_net with the @nth fault point of this task
 * failing (fail-nth: the probe runs in the writer's context, so the module's
 * NETDEV_REGISTER event is built here). Returns 1 when the nth point was reached and
 * failed, 0 when the bind had fewer, -errno when the set-up failed.
 */
static int bind_failing_nth(const char *vdev, int nth)
{
	char n[16], left[16] = "";
	int nfd, bfd, err = 0;

	nfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	bfd = open(VNET_DRV "bind", O_WRONLY | O_CLOEXEC);
	if (bfd < 0) {
		err = -errno;
		close(nfd);
		return err;
	}
	snprintf(n, sizeof(n), "%d", nth);
	if (write(nfd, n, strlen(n)) < 0)
		err = -errno;
	else if (write(bfd, vdev, strlen(vdev)) < 0)
		err = -errno;	/* the probe itself may fail: caller binds again */
	if (pread(nfd, left, sizeof(left) - 1, 0) < 0 && !err)
		err = -errno;
	if (write(nfd, "0", 1) < 0 && !err)
		err = -errno;
	close(bfd);
	close(nfd);
	if (err && err != -ENOMEM)
		return err;
	return atoi(left) == 0;
}

/*
 * failslab aimed at the events the module builds while a virtio-net device is
 * probed: enid sees the gap in the sequence at the next event, resyncs, and every
 * link ends configured; the kernel log stays clean. Each n fails the n-th skb-head
 * allocation of the probe, until the probe has no n-th.
 */
TEST_F_TIMEOUT(enid, failslab_gap_resync, 600)
{
	struct eni *v = &self->enis[0];
	struct eni_link ev;
	struct kmsg km;
	char vdev[32];
	int gaps = 0, fired, err, nth;
	size_t at;

	NEED_DAEMON();
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(FAILSLAB "ignore-gfp-wait", W_OK) || access("/proc/thread-self/fail-nth", W_OK) ||
	    read_text_file(SKB_FAILSLAB, vdev, sizeof(vdev)) || vdev[0] != '1')
		SKIP(return, "no failslab with fail-nth here, or skbuff_head_cache not failable "
			     "(CONFIG_FAILSLAB, FAULT_INJECTION_DEBUG_FS, slub_debug=A,skbuff_head_cache)");
	err = hostctl_open(&self->h, hostctl_path());
	if (err)
		SKIP(return, "no host control channel %s: %s", hostctl_path(), strerror(-err));
	ASSERT_EQ(0, kmsg_open(&km));
	start_enid(_metadata, self);
	at = log_mark(self);
	plug_virtio(_metadata, self, &ev);
	wait_configured(_metadata, self, at, v);
	ASSERT_EQ(0, virtio_dev_of(v->name, vdev, sizeof(vdev)));

	ASSERT_EQ(0, put_text(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, put_text(FAILSLAB "cache-filter", "Y"));
	ASSERT_EQ(0, put_text(FAILSLAB "verbose", "1"));
	ASSERT_EQ(0, put_text(FAILSLAB "probability", "0"));
	for (nth = 1; nth <= 32; nth++) {
		const char *oom = "not sent: out of memory";
		struct rtnl_link k;
		struct st_link sl;
		uint8_t smac[6];
		int x, lost;

		status_of(_metadata, self, VIRTIO_MAC, &sl);
		v->slot = sl.slot;
		while (eni_recv_event(&self->ev, &ev, 0) == 0)
			;
		at = log_mark(self);
		ASSERT_EQ(0, put_text(VNET_DRV "unbind", vdev));
		next_event(_metadata, self, ENI_NOTIFY_CMD_LINK_DEL, v->ifindex, &ev);
		wait_cleaned(_metadata, self, at, v);

		at = log_mark(self);
		kmsg_drain(&km);
		lost = kmsg_count_substr(&km, oom);
		fired = bind_failing_nth(vdev, nth);
		ASSERT_LE(0, fired) TH_LOG("n=%d: %s", nth, strerror(-fired));
		if (link_get_by_name(&self->rt, v->name, &k)) {
			TH_LOG("n=%d: the probe itself failed; binding again", nth);
			ASSERT_EQ(0, put_text(VNET_DRV "bind", vdev));
			ASSERT_EQ(0, link_get_by_name(&self->rt, v->name, &k));
		}
		v->ifindex = k.ifindex;
		kmsg_drain(&km);
		if (kmsg_count_substr(&km, oom) > lost) {
			/* LINK_ADD lost: enid learns of it from the next event's seq. */
			uint64_t del_seq = ev.seq;

			gaps++;
			TH_LOG("n=%d: %s", nth, km.lines[kmsg_wait_prefix(&km, "eni_notify: event seq", 0)]);
			ASSERT_EQ(-ETIMEDOUT, eni_recv_event(&self->ev, &ev, 0))
			TH_LOG("n=%d: the module did send an event", nth);
			mac_parse(STRANGER_MAC, smac);
			ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-f0", smac, &x));
			next_event(_metadata, self, ENI_NOTIFY_CMD_LINK_ADD, x, &ev);
			ASSERT_EQ(del_seq + 2, ev.seq) TH_LOG("the lost event spent no seq");
			wait_log(_metadata, self, at, "resync: eni_notify sequence gap");
			show_enid_line(self, at, "sequence gap");
			ASSERT_EQ(0, link_del(&self->rt, x));
		}
		wait_configured(_metadata, self, at, v);
		if (!fired)
			break;
	}
	put_text(FAILSLAB "cache-filter", "N");
	TH_LOG("the probe sent %d skbs from its task; %d of them the module's", nth - 1, gaps);
	ASSERT_LT(0, gaps) TH_LOG("no n made the module lose an event");
	converge(_metadata, self);
	assert_kernel_clean(_metadata, &km);
	kmsg_close(&km);
}

TEST_HARNESS_MAIN
