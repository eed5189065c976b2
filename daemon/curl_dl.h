/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcurl, loaded with dlopen() only when the metadata service may be needed
 * (addressing = auto or metadata): linked in, libcurl and the ~30 libraries it
 * pulls (OpenSSL, GSSAPI, LDAP, ...) cost every enid about 7 MiB of RSS at start,
 * 10 MiB once initialised, even with a static configuration that never asks.
 * md_curl.c calls libcurl through curl_api only.
 */
#ifndef ENID_CURL_DL_H
#define ENID_CURL_DL_H

#include <stddef.h>
#include <curl/curl.h>

#define CURL_DL_SONAME "libcurl.so.4"

struct curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode code);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *m);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_assign)(CURLM *m, curl_socket_t s, void *p);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	CURLMcode (*multi_setopt)(CURLM *m, CURLMoption opt, ...);
	CURLMcode (*multi_socket_action)(CURLM *m, curl_socket_t s, int ev, int *running);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

extern struct curl_api curl_api;

/* Loads libcurl once (later calls return the first result). 0, or -ENOPKG with
 * dlerror()'s text ("libcurl.so.4: cannot open shared object file: ...") in why. */
int curl_dl_load(char *why, size_t len);

#endif /* ENID_CURL_DL_H */
