/* SPDX-License-Identifier: MIT */
/*
 * recommend_run.h - vyre-recommend's options and the request they make:
 * field flags, --direct, --device (the limits vyre-launch would use) and
 * --from (a captured snapshot's feedback).
 */
#ifndef VY_REPORT_RECOMMEND_RUN_H
#define VY_REPORT_RECOMMEND_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/check.h"
#include "policy/feedback.h"
#include "policy/policy.h"
#include "report/cli.h"
#include "report/launch.h"
#include "report/recommend.h"

#define VY_REP_REC_MAX_CHECKS 64
#define VY_REP_REC_MAX_WINDOWS 256

/* vyre-recommend's command line (vyre-recommend(1)). */
struct vy_rep_recommend_opts {
	struct vy_pol_launch_request req;	/* from the field flags */
	bool set[VY_REQUEST_FIELDS];
	bool direct;
	uint32_t direct_args[3];
	bool has_prev;
	enum vy_pol_topology prev;
	bool use_device;
	const char *device;
	const char *from;
	uint32_t windows[VY_REP_REC_MAX_WINDOWS];
	size_t nwindows;
	bool batch, hysteresis, explain;
	struct vy_rep_cli cli;
	enum vy_rep_format fmt;
	struct vy_pol_rec_check checks[VY_REP_REC_MAX_CHECKS];
	size_t nchecks;
	const char *input;
	const char *policy_path;	/* --policy */
	struct vy_pol_launch_policy policy;	/* standard() or --policy's */
	bool show_policy, verbose;
	const char *autotune;		/* --autotune */
};

/* What --device found and did. */
struct vy_rep_rec_devinfo {
	bool used;
	struct vy_rep_device_cap c;
};

/* With --device, --queue-len is the ring vyre-launch --ring-slots would give. */
uint32_t vy_rep_recommend_ring_slots(const struct vy_rep_recommend_opts *o);

/*
 * The request of @o into @r: --direct or zeros, then --device's limits
 * (filling @dev), the field flags, and --from's feedback (into @fbo) for
 * what the flags leave out.  Errors: those of vy_dev_launch_limits and
 * vy_pol_launch_feedback_load (@e says which).
 */
int vy_rep_recommend_request(const struct vy_rep_recommend_opts *o,
			     struct vy_pol_launch_request *r,
			     struct vy_rep_rec_devinfo *dev,
			     struct vy_pol_launch_feedback *fbo,
			     struct vy_err *e);

#endif
