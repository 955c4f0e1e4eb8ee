/* SPDX-License-Identifier: MIT */
/*
 * launch_run.c - the run record of vyre-launch (launch_run.h).
 */
#include "report/launch_run.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "wire/util.h"

int vy_rep_runrec_init(struct vy_rep_runrec *rr, int argc, char **argv,
		       const struct vy_rep_work *src, const char *work,
		       struct vy_err *e)
{
	size_t len = 0, k = 0;

	memset(rr, 0, sizeof(*rr));
	rr->start_ns = vy_wall_ns();
	rr->t0 = vy_now_ns();
	rr->work = work;
	rr->cmdline = calloc(1, VY_DUMP_RUN_STR_MAX + 1);
	if (!rr->cmdline)
		goto nomem;
	/* the run section bounds it: a long command line is cut */
	for (int i = 0; i < argc; i++) {
		int n = snprintf(rr->cmdline + len,
				 VY_DUMP_RUN_STR_MAX + 1 - len, "%s%s",
				 i ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= VY_DUMP_RUN_STR_MAX + 1 - len) {
			len = VY_DUMP_RUN_STR_MAX;
			break;
		}
		len += (size_t)n;
	}
	rr->cmdline[len] = '\0';
	if (src->synthetic)
		return 0;
	rr->item_line = malloc((src->wf.slots ? src->wf.slots : 1) *
			       sizeof(*rr->item_line));
	if (!rr->item_line)
		goto nomem;
	/* item k is the k-th line that is a slot (fences are not items) */
	for (size_t i = 0; i < src->wf.n; i++)
		if (!src->wf.items[i].fence && k < src->wf.slots)
			rr->item_line[k++] = src->wf.items[i].line;
	rr->n_items = k;
	return 0;
nomem:
	vy_rep_runrec_free(rr);
	return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
}

void vy_rep_runrec_free(struct vy_rep_runrec *rr)
{
	free(rr->cmdline);
	free(rr->item_line);
	free(rr->lines);
	memset(rr, 0, sizeof(*rr));
}

uint32_t vy_rep_runrec_item_line(const struct vy_rep_runrec *rr,
				 uint64_t item)
{
	return item < rr->n_items ? rr->item_line[item] : 0;
}

int vy_rep_runrec_attach(struct vy_rep_runrec *rr, struct vy_snapshot *s,
			 uint32_t end, uint32_t exit_status, struct vy_err *e)
{
	struct vy_dump_run *u = &s->run;
	const struct vy_dump_buf *ring = &s->buf[VY_BUF_RING];
	size_t n = ring->present ? ring->len / VY_SLOT_BYTES : 0;

	memset(u, 0, sizeof(*u));
	u->present = 1;
	u->end = end;
	u->exit_status = exit_status;
	u->start_ns = rr->start_ns;
	u->wall_ns = vy_now_ns() - rr->t0;
	u->tool = "vyre-launch " VY_VERSION;
	u->tool_len = (uint32_t)strlen(u->tool);
	u->cmdline = rr->cmdline;
	u->cmdline_len = rr->cmdline ? (uint32_t)strlen(rr->cmdline) : 0;
	u->work = rr->work;
	u->work_len = rr->work ? (uint32_t)strnlen(rr->work,
						   VY_DUMP_RUN_STR_MAX) : 0;
	if (!rr->item_line || !rr->mk || !n || n != s->geo.slot_count)
		return 0;
	if (n > rr->lines_cap) {
		uint8_t *p = realloc(rr->lines, n * 4);

		if (!p)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		rr->lines = p;
		rr->lines_cap = n;
	}
	/* a slot the host never staged is empty: its tag means nothing */
	for (size_t i = 0; i < n; i++) {
		uint32_t st = vy_word(ring->data, i * VY_SLOT_WORDS +
						    VY_SLOT_STATUS_WORD);
		uint32_t line = st == VY_STATUS_EMPTY ? 0 :
			vy_rep_runrec_item_line(rr,
				vy_dev_mk_slot_tag(rr->mk, (uint32_t)i));

		vy_put_le32(rr->lines + i * 4, line);
	}
	u->lines = rr->lines;
	u->line_count = (uint32_t)n;
	return 0;
}

int vy_rep_runrec_on_snapshot(void *arg, const struct vy_snapshot *s,
			      struct vy_err *e)
{
	struct vy_rep_runrec *rr = arg;
	struct vy_snapshot copy = *s;
	int ret;

	ret = vy_rep_runrec_attach(rr, &copy, VY_RUN_RUNNING, 0, e);
	if (ret)
		return ret;
	return vy_rep_snapshot_write(rr->so, &copy, e);
}

uint32_t vy_rep_run_end_of(enum vy_dev_mk_end end, int err)
{
	if (err)
		return VY_RUN_DEVICE_ERROR;
	switch (end) {
	case VY_MK_END_OK:
		return VY_RUN_OK;
	case VY_MK_END_TIMEOUT:
		return VY_RUN_TIMEOUT;
	case VY_MK_END_STALL:
		return VY_RUN_STALL;
	case VY_MK_END_SIGNAL:
		return VY_RUN_SIGNAL;
	case VY_MK_END_KERNEL:
		return VY_RUN_KERNEL_EXIT;
	}
	return VY_RUN_DEVICE_ERROR;
}

json_t *vy_rep_faults_json(const struct vy_rep_runrec *rr,
			   const struct vy_dev_mk_run_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nfaults; i++) {
		const struct vy_dev_mk_fault *f = &r->faults[i];
		json_t *o = json_pack("{s:I, s:i}", "item",
				      (json_int_t)f->tag, "slot",
				      (json_int_t)f->slot);
		uint32_t line = vy_rep_runrec_item_line(rr, f->tag);

		if (line)
			json_object_set_new(o, "line", json_integer(line));
		json_array_append_new(a, o);
	}
	return a;
}
