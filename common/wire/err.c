/* SPDX-License-Identifier: MIT */
#include "wire/err.h"

#include <stdio.h>
#include <string.h>

static const struct {
	int code;
	const char *name;
	int exit_class;
} vy_err_table[] = {
#define X(name, str, cls) { VY_E_##name, str, cls },
#include "wire/errcodes.def"
#undef X
};

const char *vy_err_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(vy_err_table) / sizeof(vy_err_table[0]); i++)
		if (vy_err_table[i].code == code)
			return vy_err_table[i].name;
	return code == 0 ? "OK" : "E_UNKNOWN";
}

int vy_err_exit(int code)
{
	size_t i;

	if (code == 0)
		return VY_EXIT_OK;
	for (i = 0; i < sizeof(vy_err_table) / sizeof(vy_err_table[0]); i++)
		if (vy_err_table[i].code == code)
			return vy_err_table[i].exit_class;
	return VY_EXIT_DATA;
}

int vy_errf(struct vy_err *e, int code, const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	snprintf(e->hint, sizeof(e->hint), "%s", hint ? hint : "");
	return code;
}

void vy_err_clear(struct vy_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
	e->hint[0] = '\0';
}
