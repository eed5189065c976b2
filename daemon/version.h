/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The version enid and enictl print; daemon/Makefile passes debian/changelog's. */
#ifndef ENID_VERSION_H
#define ENID_VERSION_H

#ifndef ENID_VERSION
#define ENID_VERSION "unreleased"
#endif

#endif /* ENID_VERSION_H */
