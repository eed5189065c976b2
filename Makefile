# SPDX-License-Identifier: GPL-2.0
# eni-hotplug: top-level entry points. `make help` lists them.

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf 2>/dev/null)
# The kernel to build the module for: the running one when its headers are installed,
# else the newest Debian headers on this machine (the build host may run another kernel).
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; else \
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' | \
	sort -V | tail -n1; fi)
DKMS_SRC := /usr/src/eni-notify-$(VERSION)

.PHONY: all help deps kmod daemon check test-% install dkms-install dkms-uninstall \
	style bench demo soak clean

all: kmod daemon

help:
	@echo "make            build the module (for KVER=$(KVER)) and the daemon"
	@echo "make demo       install missing Debian packages, boot a virtual ECS, bind and unbind two ENIs"
	@echo "make check      install missing Debian packages, run every test tier"
	@echo "make test-TIER  one tier: unit, fuzz, fake-imds, netns, dkms, qemu, vpc, kdebug"
	@echo "make soak       the vpc tier's bind/unbind cycles 1000 times on Debian 12's kernel (not in check)"
	@echo "make install    install enid, enictl and the example config (PREFIX, DESTDIR)"
	@echo "make dkms-install / dkms-uninstall   the module through DKMS"
	@echo "make style      checkpatch on kmod/, clang-format check and the include graph of daemon/"
	@echo "make bench      the benchmarks under bench/ (burst; bind-vs-nm: enid against NetworkManager)"

deps:
	@scripts/deps.sh

kmod:
	$(MAKE) -C kmod KVER=$(KVER)

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
	$(MAKE) -C daemon install

dkms-install:
	@scripts/deps.sh build
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	cp -r dkms.conf kmod include $(DKMS_SRC)/
	$(MAKE) -C $(DKMS_SRC)/kmod clean >/dev/null
	dkms add -m eni-notify -v $(VERSION)
	dkms build -m eni-notify -v $(VERSION) -k $(KVER)
	dkms install -m eni-notify -v $(VERSION) -k $(KVER)

dkms-uninstall:
	-dkms remove -m eni-notify -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

style:
	@scripts/style.sh

bench: daemon
	bench/burst
	bench/bind-vs-nm

clean:
	-$(MAKE) -C kmod clean KVER=$(KVER)
	rm -rf build
