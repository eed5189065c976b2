// SPDX-License-Identifier: GPL-2.0-or-later
/* dlopen()ed libcurl; see curl_dl.h. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "curl_dl.h"

struct curl_api curl_api;

static const struct {
	const char *name;
	size_t off;
} syms[] = {
#define SYM(field, name)                                                                           \
	{                                                                                          \
		name, offsetof(struct curl_api, field)                                             \
	}
	SYM(global_init, "curl_global_init"),
	SYM(global_cleanup, "curl_global_cleanup"),
	SYM(easy_init, "curl_easy_init"),
	SYM(easy_cleanup, "curl_easy_cleanup"),
	SYM(easy_setopt, "curl_easy_setopt"),
	SYM(easy_getinfo, "curl_easy_getinfo"),
	SYM(easy_strerror, "curl_easy_strerror"),
	SYM(multi_init, "curl_multi_init"),
	SYM(multi_cleanup, "curl_multi_cleanup"),
	SYM(multi_add_handle, "curl_multi_add_handle"),
	SYM(multi_remove_handle, "curl_multi_remove_handle"),
	SYM(multi_assign, "curl_multi_assign"),
	SYM(multi_info_read, "curl_multi_info_read"),
	SYM(multi_setopt, "curl_multi_setopt"),
	SYM(multi_socket_action, "curl_multi_socket_action"),
	SYM(slist_append, "curl_slist_append"),
	SYM(slist_free_all, "curl_slist_free_all"),
#undef SYM
};

int curl_dl_load(char *why, size_t len)
{
	static int state; /* 0 not tried, 1 loaded, -1 failed */
	static char failed[256];
	void *h;

	if (state > 0)
		return 0;
	if (state < 0) {
		snprintf(why, len, "%s", failed);
		return -ENOPKG;
	}
	/* never closed: libcurl and OpenSSL keep process-wide state */
	h = dlopen(CURL_DL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(failed, sizeof(failed), "%s", dlerror());
		goto fail;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(h, syms[i].name);

		if (!f) {
			snprintf(failed, sizeof(failed), "%s: no symbol %s", CURL_DL_SONAME,
				 syms[i].name);
			goto fail;
		}
		*(void **)((char *)&curl_api + syms[i].off) = f;
	}
	state = 1;
	return 0;
fail:
	state = -1;
	snprintf(why, len, "%s", failed);
	return -ENOPKG;
}
