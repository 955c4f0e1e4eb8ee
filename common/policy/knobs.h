/* SPDX-License-Identifier: MIT */
/*
 * knobs.h - the launch policy's thresholds by name (vyre-recommend
 * --policy FILE.json) and the checks the seed makes of them.
 */
#ifndef VY_POLICY_KNOBS_H
#define VY_POLICY_KNOBS_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"
#include "wire/err.h"

/* One member of struct vy_pol_launch_policy (sizing members as "sizing.NAME"). */
struct vy_pol_knob {
	const char *name;	/* upstream field name */
	unsigned bits;		/* 16 or 32 */
	size_t offset;		/* offsetof(struct vy_pol_launch_policy, ...) */
};

#define VY_POLICY_KNOBS 17	/* 12 thresholds + 5 sizing members */

/* In upstream order: the 12 of MegakernelLaunchPolicy, then sizing. */
extern const struct vy_pol_knob vy_pol_knobs[VY_POLICY_KNOBS];

/* Index of the knob called @name, or -1. */
int vy_pol_knob_index(const char *name);
uint32_t vy_pol_knob_get(const struct vy_pol_launch_policy *p, int idx);
/* VY_E_INVAL (message names the knob) when @v does not fit its width. */
int vy_pol_knob_set(struct vy_pol_launch_policy *p, int idx, uint64_t v,
		    struct vy_err *e);

/*
 * The seed's errors for thresholds that can never work, found before any
 * recommendation: VY_E_MEMORY_THRESHOLD_ABOVE_10000 (memory pressure
 * threshold above 10000 bps), VY_E_HYSTERESIS_BOUND (a frontier threshold
 * whose 250 bps band leaves u16).  A threshold below 250 bps is only an
 * error when hysteresis applies; vy_pol_recommend_with_previous says so.
 */
int vy_pol_launch_policy_validate(const struct vy_pol_launch_policy *p,
				  struct vy_err *e);

#endif
