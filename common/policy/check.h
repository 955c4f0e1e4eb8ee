/* SPDX-License-Identifier: MIT */
/*
 * check.h - CI gate expressions on a launch recommendation, as
 * vyre-recommend --check takes them.
 *
 * A parsed gate is caller-owned plain data; parsing and evaluating
 * neither allocate, print nor exit.
 */
#ifndef VY_POLICY_CHECK_H
#define VY_POLICY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"
#include "policy/policy.h"

/*
 * A CI gate on one recommendation field: FIELD OP VALUE with OP one of
 * = == != < <= > >=.  FIELD is a recommendation field name
 * (worker_groups, hit_capacity, estimated_peak_device_bytes,
 * device_memory_budget_bytes, workgroup_size_x, slot_count,
 * dispatch_grid (its x), topology, pressure, execution_mode,
 * promote_hot_opcodes, promote_hot_windows, age_priority_work; a
 * "geometry." prefix is accepted).  Numbers take size suffixes (2G);
 * enums take their names (= and != only, except pressure, ordered
 * empty < light < balanced < saturated); booleans take true/false (= and
 * != only).
 */
struct vy_pol_rec_check {
	int field;
	int op;
	uint64_t value;
	char text[128];		/* the expression as given */
};

/* Parse @expr; VY_E_INVAL with a message saying what is wrong. */
int vy_pol_rec_check_parse(const char *expr, struct vy_pol_rec_check *out,
		       struct vy_err *e);

/*
 * Evaluate @c on @r: returns true when it holds.  @actual (may be NULL,
 * @n bytes) receives the field's actual value as text.
 */
bool vy_pol_rec_check_eval(const struct vy_pol_rec_check *c,
		       const struct vy_pol_launch_recommendation *r, char *actual,
		       size_t n);

#endif
