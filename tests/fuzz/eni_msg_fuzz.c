// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the module-event parser: one input is one eni_notify message
 * as the module multicasts it (or answers a GET with). eni_msg_parse_buf must refuse
 * or fill an event whose strings end inside their fields and whose MACs fit; what it
 * accepts must format (text and JSON; the JSON must parse, whatever bytes the names
 * held), and building the event again and parsing that must give the same event
 * (parse is a fixed point of build). abort() on any broken promise; ASan sees any read
 * past the exact-size copy.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "eni_msg.h"
#include "fuzz.h"

static void check_str(const char *s, size_t size)
{
	check(memchr(s, '\0', size) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	char line[1024], again[ENI_MSG_REQ_SIZE * 4];
	struct eni_event ev, ev2;
	const struct nlmsghdr *nlh;
	json_object *j;
	int n;

	if (!buf)
		return 0;
	if (eni_msg_parse_buf(buf, size, &ev) != 0) {
		free(buf);
		return 0;
	}
	check_str(ev.ifname, sizeof(ev.ifname));
	check_str(ev.driver, sizeof(ev.driver));
	check_str(ev.bus_info, sizeof(ev.bus_info));
	check(ev.mac_len <= ENI_MSG_MAX_ADDR && ev.perm_mac_len <= ENI_MSG_MAX_ADDR);
	check(ENI_EVENT_HAS(&ev, ENI_NOTIFY_A_IFINDEX) && ENI_EVENT_HAS(&ev, ENI_NOTIFY_A_IFNAME) &&
	      ENI_EVENT_HAS(&ev, ENI_NOTIFY_A_MAC));
	(void)eni_cmd_name(ev.cmd);
	(void)eni_origin_name(ev.origin);

	n = eni_event_format(&ev, false, line, sizeof(line));
	check(n == -ENOSPC || (n > 0 && (size_t)n < sizeof(line) && strlen(line) == (size_t)n));
	n = eni_event_format(&ev, true, line, sizeof(line));
	check(n == -ENOSPC || n == -ENOMEM || (n > 0 && (size_t)n < sizeof(line)));
	if (n > 0) {
		j = json_tokener_parse(line);
		check(j && json_object_is_type(j, json_type_object));
		json_object_put(j);
	}
	/* a buffer one byte short of any line: -ENOSPC, never an overrun */
	n = eni_event_format(&ev, false, line, 8);
	check(n == -ENOSPC || (n > 0 && n < 8));

	nlh = eni_msg_build_event(again, sizeof(again), 0x20, 7, &ev);
	check(nlh != NULL);
	check(eni_msg_parse(nlh, &ev2) == 0);
	check(!memcmp(&ev, &ev2, sizeof(ev)));
	free(buf);
	return 0;
}
