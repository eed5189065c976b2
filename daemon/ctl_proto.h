/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol between enid (ctl.c) and enictl: a unix stream socket
 * <run_dir>/enid.sock, mode 0666: status is for every user, the other requests for
 * root only (SO_PEERCRED, checked per request). A client sends one request line; enid
 * answers "ok\n" or "error\n" followed by text, and closes.
 *
 *   status            the links, their slots, states and timelines (text)
 *   status json       the same as one JSON document
 *   reload            parse the config again; on errors the old one stays
 *   resync            dump every link again and reconcile
 *   refresh [X]       read the metadata again for link X (name or MAC) or all
 *   flush             remove every address, route, rule and sysctl enid added, restore
 *                     arp_filter; then enid exits
 */
#ifndef ENID_CTL_PROTO_H
#define ENID_CTL_PROTO_H

#define ENID_RUN_DIR   "/run/enid"
#define ENID_SOCK_NAME "enid.sock"
#define CTL_MAX_REQ    256 /* a request line, newline included */

#endif /* ENID_CTL_PROTO_H */
