/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ENID_VERSION_H
#define ENID_VERSION_H

#define ENID_VERSION "0.1"

#endif /* ENID_VERSION_H */
