/* SPDX-License-Identifier: MIT */
/*
 * field_priv.h - a u16, u32 or u64 member of a policy struct by offset,
 * for the request fields (policy.h) and the policy knobs (knobs.h) alike.
 * Private to policy/.
 */
#ifndef VY_POLICY_FIELD_PRIV_H
#define VY_POLICY_FIELD_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"

/* The @bits-wide (16, 32, else 64) member at @off of @base. */
uint64_t vy_pol_field_get(const void *base, size_t off, unsigned bits);

/*
 * Store @v there.  VY_E_INVAL naming @name when @v does not fit @bits
 * (a 16-bit member's hint says basis points are at most 10000).
 */
int vy_pol_field_set(void *base, size_t off, unsigned bits, const char *name,
		     uint64_t v, struct vy_err *e);

#endif
