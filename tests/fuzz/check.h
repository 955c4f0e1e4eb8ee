/* SPDX-License-Identifier: MIT */
/* CHECK(x): a fuzz target's invariant; abort() makes libFuzzer keep the input. */
#ifndef VY_FUZZ_CHECK_H
#define VY_FUZZ_CHECK_H

#include <stdlib.h>

#define CHECK(x)                       \
	do {                           \
		if (!(x))              \
			abort();       \
	} while (0)

#endif
