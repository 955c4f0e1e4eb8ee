/* SPDX-License-Identifier: MIT */
#include "report/recommend_run.h"

#include <string.h>

#include "device/caps.h"
#include "device/megakernel.h"
#include "wire/dump.h"

uint32_t vy_rep_recommend_ring_slots(const struct vy_rep_recommend_opts *o)
{
	int fq = vy_pol_request_field_index("queue_len");

	return o->set[fq] ? (uint32_t)vy_pol_request_get(&o->req, fq) :
			    VY_MK_DEFAULT_SLOTS;
}

int vy_rep_recommend_request(const struct vy_rep_recommend_opts *o,
			     struct vy_pol_launch_request *r,
			     struct vy_rep_rec_devinfo *dev,
			     struct vy_pol_launch_feedback *fbo,
			     struct vy_err *e)
{
	const int fw = vy_pol_request_field_index("requested_worker_groups");
	const int fx = vy_pol_request_field_index("max_workgroup_size_x");
	const int fg = vy_pol_request_field_index("max_compute_workgroups_per_dimension");
	const int fi = vy_pol_request_field_index("max_compute_invocations_per_workgroup");
	const int fq = vy_pol_request_field_index("queue_len");
	struct vy_pol_launch_feedback fb;
	struct vy_dump_geometry geo;
	int i, ret;

	if (o->direct)
		*r = vy_pol_launch_request_direct(o->direct_args[0],
					      o->direct_args[1],
					      o->direct_args[2]);
	else
		memset(r, 0, sizeof(*r));
	if (o->use_device) {
		/* the request vyre-launch makes, for a ring of --queue-len */
		ret = vy_dev_launch_limits(o->device, &dev->c.lim, e);
		if (ret)
			return ret;
		dev->used = true;
		vy_rep_launch_request(&dev->c.lim, vy_rep_recommend_ring_slots(o), true, r);
	}
	for (i = 0; i < VY_REQUEST_FIELDS; i++)
		if (o->set[i] && !(dev->used && i == fq))
			vy_pol_request_set(r, i, vy_pol_request_get(&o->req, i), NULL);
	if (!o->from)
		return 0;
	memset(&geo, 0, sizeof(geo));
	ret = vy_pol_launch_feedback_load(o->from, o->windows, o->nwindows, &fb,
				      &geo, e);
	if (ret)
		return ret;
	/* What the capture shows stands in for what the flags leave out. */
	if (!o->set[fq] && !o->direct)
		r->queue_len = fb.queue_depth;
	if (!o->set[fx] && !o->direct && !dev->used && geo.workgroup_size_x) {
		r->max_workgroup_size_x = geo.workgroup_size_x;
		r->max_compute_invocations_per_workgroup = o->set[fi] ?
			r->max_compute_invocations_per_workgroup :
			geo.workgroup_size_x;
	}
	if (!o->set[fg] && !o->direct && !dev->used && geo.workgroups)
		r->max_compute_workgroups_per_dimension = geo.workgroups;
	if (!o->set[fw] && !o->direct && geo.workgroups)
		r->requested_worker_groups = geo.workgroups;
	*fbo = fb;
	return vy_pol_launch_request_fill_from_feedback(r, &fb, e);
}
