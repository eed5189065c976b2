# SPDX-License-Identifier: GPL-2.0
# eni-hotplug: top-level entry points. `make help` lists them.

# The one version, debian/changelog's: enid/enictl --version, modinfo, the packages.
VERSION := $(shell sed -n '1s/^[^ ]* (\([^ ]*\)).*/\1/p' debian/changelog)
PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
COMPLETIONSDIR ?= $(PREFIX)/share/bash-completion/completions
MODLOADDIR ?= /usr/lib/modules-load.d
# The kernel to build the module for: the running one when its headers are installed,
# else the newest Debian headers on this machine (the build host may run another kernel).
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; else \
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' | \
	sort -V | tail -n1; fi)
DKMS_SRC := /usr/src/eni-notify-$(VERSION)
MANPAGES := man/enid.8 man/enictl.8 man/enid.conf.5 man/eni_notify.4

.PHONY: all help deps kmod daemon check test-% install uninstall dkms-src dkms-install \
	dkms-uninstall deb style bench demo soak clean

all: kmod daemon

help:
	@echo "make            build the module (for KVER=$(KVER)) and the daemon"
	@echo "make demo       install missing Debian packages, boot a virtual ECS, bind and unbind two ENIs"
	@echo "make check      install missing Debian packages, run every test tier"
	@echo "make test-TIER  one tier: unit, fuzz, fake-imds, netns, dkms, pkg, qemu, kdebug, vpc, image"
	@echo "make soak       the vpc tier's bind/unbind cycles 1000 times on Debian 12's kernel (not in check)"
	@echo "make deb        the Debian packages enid and eni-notify-dkms, into build/deb/"
	@echo "                (DEB_OUT=DIR elsewhere, DEB_VERSION=V as version V)"
	@echo "make install    enid, enictl, the unit, the config, man pages (PREFIX, DESTDIR,"
	@echo "                SYSCONFDIR; make uninstall removes them)"
	@echo "make dkms-install / dkms-uninstall   the module through DKMS"
	@echo "make style      checkpatch on kmod/, clang-format check and the include graph of daemon/"
	@echo "make bench      the benchmarks under bench/ (burst; bind-vs-nm: enid against NetworkManager)"

deps:
	@scripts/deps.sh

kmod:
	$(MAKE) -C kmod KVER=$(KVER) KCFLAGS=-DENI_NOTIFY_VERSION=$(VERSION)

daemon:
	$(MAKE) -C daemon

demo:
	@tests/vpc/demo.sh

check: deps
	@tests/run.sh

test-%: deps
	@tests/run.sh $*

# ENI_VPC_CYCLES bind/unbind cycles; enid's fds, RSS, rules, routes and slots every 100
# (bind_one first: enid's fds before the cycles include its metadata connections).
soak: deps
	@ENI_VPC_KERNELS=$${ENI_VPC_KERNELS:-6.1} ENI_VPC_CYCLES=$${ENI_VPC_CYCLES:-1000} \
		ENI_VPC_ONLY=$${ENI_VPC_ONLY:-bind_one,cycles} tests/run.sh vpc

install: daemon
	$(MAKE) -C daemon install PREFIX=$(PREFIX)
	for m in $(MANPAGES); do \
		install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/} || exit 1; done
	for c in enictl enid; do \
		install -D -m 0644 completions/$$c $(DESTDIR)$(COMPLETIONSDIR)/$$c || exit 1; done

uninstall:
	$(MAKE) -C daemon uninstall PREFIX=$(PREFIX)
	for m in $(MANPAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/}; done
	rm -f $(DESTDIR)$(COMPLETIONSDIR)/enictl $(DESTDIR)$(COMPLETIONSDIR)/enid
	-rmdir $(DESTDIR)$(COMPLETIONSDIR) $(dir $(DESTDIR)$(COMPLETIONSDIR)) 2>/dev/null

# The module's source tree as DKMS wants it, dkms.conf carrying VERSION.
dkms-src:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)/kmod $(DESTDIR)$(DKMS_SRC)/include/uapi/linux
	install -m 0644 kmod/Kbuild kmod/Makefile kmod/*.c kmod/*.h $(DESTDIR)$(DKMS_SRC)/kmod/
	install -m 0644 include/uapi/linux/eni_notify.h $(DESTDIR)$(DKMS_SRC)/include/uapi/linux/
	sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' dkms.conf > $(DESTDIR)$(DKMS_SRC)/dkms.conf
	install -D -m 0644 systemd/eni-notify.conf $(DESTDIR)$(MODLOADDIR)/eni-notify.conf

dkms-install:
	@scripts/deps.sh build
	$(MAKE) dkms-src DESTDIR=
	dkms add -m eni-notify -v $(VERSION)
	dkms build -m eni-notify -v $(VERSION) -k $(KVER)
	dkms install -m eni-notify -v $(VERSION) -k $(KVER)

dkms-uninstall:
	-dkms remove -m eni-notify -v $(VERSION) --all
	rm -rf $(DKMS_SRC) $(MODLOADDIR)/eni-notify.conf

# dpkg-buildpackage writes next to the tree it builds, so it builds a copy in DEB_OUT.
# DEB_VERSION=V packages the tree as version V instead (a changelog entry for V on top, in
# the copy only): the image tier's "previous version" for its upgrade check.
DEB_OUT ?= build/deb
DEB_VERSION ?=
deb:
	@scripts/deps.sh build pkg
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/eni-hotplug
	tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C $(DEB_OUT)/eni-hotplug
	$(if $(DEB_VERSION),cd $(DEB_OUT)/eni-hotplug && \
		{ printf 'eni-hotplug (%s) unstable; urgency=medium\n\n  * Built by make deb DEB_VERSION=%s.\n\n%s\n\n' \
		'$(DEB_VERSION)' '$(DEB_VERSION)' "$$(sed -n '/^ -- /{p;q}' debian/changelog)"; \
		cat debian/changelog; } >debian/changelog.new && mv debian/changelog.new debian/changelog)
	cd $(DEB_OUT)/eni-hotplug && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -n 30 ../build.log; exit 1; }
	rm -rf $(DEB_OUT)/eni-hotplug
	@ls $(DEB_OUT)/*.deb

style:
	@scripts/style.sh

bench: daemon
	bench/burst
	bench/bind-vs-nm

clean:
	-$(MAKE) -C kmod clean KVER=$(KVER)
	rm -rf build
