/* SPDX-License-Identifier: MIT */
/*
 * policy_check.c - "FIELD OP VALUE" gates on a recommendation
 * (vyre-recommend --check).
 */
#include "policy/check.h"
#include "wire/util.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum ftype { F_NUM, F_TOPO, F_PRESSURE, F_MODE, F_BOOL };

enum field {
	C_WORKER_GROUPS,
	C_HIT_CAPACITY,
	C_PEAK,
	C_BUDGET,
	C_WGX,
	C_SLOTS,
	C_GRID,
	C_TOPOLOGY,
	C_PRESSURE,
	C_MODE,
	C_PROMOTE_OPS,
	C_PROMOTE_WINS,
	C_AGE,
};

static const struct {
	const char *name;
	enum ftype type;
} fields[] = {
	[C_WORKER_GROUPS] = { "worker_groups", F_NUM },
	[C_HIT_CAPACITY] = { "hit_capacity", F_NUM },
	[C_PEAK] = { "estimated_peak_device_bytes", F_NUM },
	[C_BUDGET] = { "device_memory_budget_bytes", F_NUM },
	[C_WGX] = { "workgroup_size_x", F_NUM },
	[C_SLOTS] = { "slot_count", F_NUM },
	[C_GRID] = { "dispatch_grid", F_NUM },
	[C_TOPOLOGY] = { "topology", F_TOPO },
	[C_PRESSURE] = { "pressure", F_PRESSURE },
	[C_MODE] = { "execution_mode", F_MODE },
	[C_PROMOTE_OPS] = { "promote_hot_opcodes", F_BOOL },
	[C_PROMOTE_WINS] = { "promote_hot_windows", F_BOOL },
	[C_AGE] = { "age_priority_work", F_BOOL },
};

#define NFIELDS ((int)(sizeof(fields) / sizeof(fields[0])))

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

static uint64_t field_value(int f, const struct vy_pol_launch_recommendation *r)
{
	switch (f) {
	case C_WORKER_GROUPS: return r->worker_groups;
	case C_HIT_CAPACITY: return r->hit_capacity;
	case C_PEAK: return r->estimated_peak_device_bytes;
	case C_BUDGET: return r->device_memory_budget_bytes;
	case C_WGX: return r->geometry.workgroup_size_x;
	case C_SLOTS: return r->geometry.slot_count;
	case C_GRID: return r->geometry.dispatch_grid[0];
	case C_TOPOLOGY: return r->topology;
	case C_PRESSURE: return r->pressure;
	case C_MODE: return r->execution_mode;
	case C_PROMOTE_OPS: return r->promote_hot_opcodes;
	case C_PROMOTE_WINS: return r->promote_hot_windows;
	default: return r->age_priority_work;
	}
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

int vy_pol_rec_check_parse(const char *expr, struct vy_pol_rec_check *out,
		       struct vy_err *e)
{
	char name[64], val[64];
	const char *p;
	size_t n;
	int f, op;

	memset(out, 0, sizeof(*out));
	snprintf(out->text, sizeof(out->text), "%s", expr);
	p = strpbrk(expr, "=!<>");
	if (!p)
		return vy_errf(e, VY_E_INVAL,
			       "write FIELD OP VALUE, e.g. worker_groups<=256",
			       "--check '%s': no comparison operator", expr);
	n = (size_t)(p - expr);
	if (n >= sizeof(name))
		return vy_errf(e, VY_E_INVAL, NULL,
			       "--check '%s': field name too long", expr);
	memcpy(name, expr, n);
	name[n] = '\0';
	trim(name);
	if (strncmp(name, "geometry.", 9) == 0)
		memmove(name, name + 9, strlen(name + 9) + 1);
	if (strcmp(name, "dispatch_grid[0]") == 0 ||
	    strcmp(name, "dispatch_grid_x") == 0)
		strcpy(name, "dispatch_grid");
	for (f = 0; f < NFIELDS; f++)
		if (strcmp(name, fields[f].name) == 0)
			break;
	if (f == NFIELDS)
		return vy_errf(e, VY_E_INVAL,
			       "fields: worker_groups hit_capacity estimated_peak_device_bytes device_memory_budget_bytes workgroup_size_x slot_count dispatch_grid topology pressure execution_mode promote_hot_opcodes promote_hot_windows age_priority_work",
			       "--check '%s': unknown field '%s'", expr, name);
	if (p[0] == '=' && p[1] == '=') {
		op = OP_EQ;
		p += 2;
	} else if (p[0] == '=') {
		op = OP_EQ;
		p += 1;
	} else if (p[0] == '!' && p[1] == '=') {
		op = OP_NE;
		p += 2;
	} else if (p[0] == '<' && p[1] == '=') {
		op = OP_LE;
		p += 2;
	} else if (p[0] == '>' && p[1] == '=') {
		op = OP_GE;
		p += 2;
	} else if (p[0] == '<') {
		op = OP_LT;
		p += 1;
	} else if (p[0] == '>') {
		op = OP_GT;
		p += 1;
	} else {
		return vy_errf(e, VY_E_INVAL, "operators: = == != < <= > >=",
			       "--check '%s': bad operator", expr);
	}
	if (strlen(p) >= sizeof(val))
		return vy_errf(e, VY_E_INVAL, NULL,
			       "--check '%s': value too long", expr);
	strcpy(val, p);
	trim(val);
	if (!val[0] || strpbrk(val, "=!<>"))
		return vy_errf(e, VY_E_INVAL,
			       "write FIELD OP VALUE, e.g. worker_groups<=256",
			       "--check '%s': missing or malformed value", expr);
	if (fields[f].type != F_NUM && fields[f].type != F_PRESSURE &&
	    op != OP_EQ && op != OP_NE)
		return vy_errf(e, VY_E_INVAL, "use = or != for this field",
			       "--check '%s': %s has no order", expr,
			       fields[f].name);
	switch (fields[f].type) {
	case F_NUM:
		if (vy_parse_u64(val, UINT64_MAX, 1, &out->value))
			return vy_errf(e, VY_E_INVAL,
				       "numbers are decimal or 0x hex, with an optional K M G T suffix",
				       "--check '%s': '%s' is not a number",
				       expr, val);
		break;
	case F_TOPO: {
		enum vy_pol_topology t;

		if (vy_pol_topology_parse(val, &t))
			return vy_errf(e, VY_E_INVAL,
				       "topologies: empty sparse_frontier hybrid_frontier dense_frontier fused_dense memory_constrained",
				       "--check '%s': '%s' is not a topology",
				       expr, val);
		out->value = t;
		break;
	}
	case F_PRESSURE: {
		enum vy_pol_pressure pr;

		if (vy_pol_pressure_parse(val, &pr))
			return vy_errf(e, VY_E_INVAL,
				       "pressures: empty light balanced saturated",
				       "--check '%s': '%s' is not a pressure",
				       expr, val);
		out->value = pr;
		break;
	}
	case F_MODE: {
		enum vy_pol_exec_mode m;

		if (vy_pol_exec_mode_parse(val, &m))
			return vy_errf(e, VY_E_INVAL,
				       "modes: interpreter jit",
				       "--check '%s': '%s' is not an execution mode",
				       expr, val);
		out->value = m;
		break;
	}
	case F_BOOL:
		if (strcmp(val, "true") == 0 || strcmp(val, "1") == 0)
			out->value = 1;
		else if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0)
			out->value = 0;
		else
			return vy_errf(e, VY_E_INVAL, "use true or false",
				       "--check '%s': '%s' is not a boolean",
				       expr, val);
		break;
	}
	out->field = f;
	out->op = op;
	return 0;
}

bool vy_pol_rec_check_eval(const struct vy_pol_rec_check *c,
		       const struct vy_pol_launch_recommendation *r, char *actual,
		       size_t n)
{
	uint64_t v = field_value(c->field, r);

	if (actual && n) {
		switch (fields[c->field].type) {
		case F_NUM:
			snprintf(actual, n, "%" PRIu64, v);
			break;
		case F_TOPO:
			snprintf(actual, n, "%s",
				 vy_pol_topology_name((enum vy_pol_topology)v));
			break;
		case F_PRESSURE:
			snprintf(actual, n, "%s",
				 vy_pol_pressure_name((enum vy_pol_pressure)v));
			break;
		case F_MODE:
			snprintf(actual, n, "%s",
				 vy_pol_exec_mode_name((enum vy_pol_exec_mode)v));
			break;
		case F_BOOL:
			snprintf(actual, n, "%s", v ? "true" : "false");
			break;
		}
	}
	switch (c->op) {
	case OP_EQ: return v == c->value;
	case OP_NE: return v != c->value;
	case OP_LT: return v < c->value;
	case OP_LE: return v <= c->value;
	case OP_GT: return v > c->value;
	default: return v >= c->value;
	}
}
