/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the option vocabulary every program shares (vyre(7), OPTIONS).
 *
 * One flag means one thing everywhere:
 *   -f, --format FMT   output format (the program's subset of VY_FMT_*)
 *   -j                 --format json
 *   -o, --output FILE  the report goes to FILE instead of standard output
 *   -q, --quiet        nothing but errors and failed checks; with -o the
 *                      report is still written to FILE
 *   -v, --verbose      more detail (what it adds is per program)
 *   -d, --device SPEC  the OpenCL device (programs that open one)
 *   -h, --help, -V, --version
 * A program lists the shared options it takes in VY_REP_CLI_* bits; its
 * getopt loop hands every option to vy_rep_cli_opt first.  Help and
 * version output, usage errors and "try --help" are worded here once.
 */
#ifndef VY_REP_CLI_H
#define VY_REP_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/emit.h"
#include "wire/out.h"

/* Which shared options a program takes. */
#define VY_REP_CLI_FORMAT	(1u << 0)	/* -f, -j */
#define VY_REP_CLI_OUTPUT	(1u << 1)	/* -o */
#define VY_REP_CLI_QUIET	(1u << 2)	/* -q */
#define VY_REP_CLI_VERBOSE	(1u << 3)	/* -v */
#define VY_REP_CLI_DEVICE	(1u << 4)	/* -d */

/*
 * The short options of the whole vocabulary, for getopt_long; a program
 * appends its own letters.  The leading ':' makes getopt return ':' for a
 * missing value, which vy_rep_cli_opt words like every other mistake.
 */
#define VY_REP_CLI_SHORT ":f:jo:qvd:hV"

/* Their long forms, to put at the head of a program's option table. */
#define VY_REP_CLI_LONGOPTS                                  \
	{ "format", required_argument, NULL, 'f' },          \
	{ "output", required_argument, NULL, 'o' },          \
	{ "quiet", no_argument, NULL, 'q' },                 \
	{ "verbose", no_argument, NULL, 'v' },               \
	{ "device", required_argument, NULL, 'd' },          \
	{ "help", no_argument, NULL, 'h' },                  \
	{ "version", no_argument, NULL, 'V' }

struct vy_rep_cli {
	const char *prog;		/* "vyre-launch" */
	unsigned takes;			/* VY_REP_CLI_* */
	unsigned formats;		/* allowed (1 << VY_FMT_*) */
	void (*usage)(FILE *f);		/* the program's --help text */
	char **argv;			/* for naming a bad option */
	/* results */
	enum vy_rep_format fmt;		/* set by the program to its default */
	bool fmt_set;
	bool quiet;
	int verbose;			/* -v count */
	const char *output;		/* -o FILE; NULL: standard output */
	const char *device;		/* -d SPEC; NULL: the default */
	int exit;			/* after VY_REP_CLI_EXIT */
	/* after vy_rep_cli_open_output */
	FILE *f;			/* the report: stdout or out.f */
	struct vy_out out;		/* -o FILE (wire/out.h) */
	bool out_open, redirected;
};

/* vy_rep_cli_next: the options are over. */
#define VY_REP_CLI_END (-1)
/* vy_rep_cli_next: return @cli->exit from main now. */
#define VY_REP_CLI_EXIT (-3)
/* vy_rep_cli_opt: @c is none of the shared options (the program's own). */
#define VY_REP_CLI_MINE (-2)
/* vy_rep_cli_opt: handled; go on parsing. */
#define VY_REP_CLI_NEXT (-1)

/*
 * Fill @cli (results cleared, fmt = @def_fmt) and turn off getopt's own
 * messages (opterr), so every mistake is worded by vy_rep_usage_err.
 */
void vy_rep_cli_init(struct vy_rep_cli *cli, const char *prog, unsigned takes,
		     unsigned formats, enum vy_rep_format def_fmt,
		     void (*usage)(FILE *f), char **argv);

/*
 * Handle getopt_long's result @c (with @arg = optarg).  Returns
 * VY_REP_CLI_NEXT when @c was a shared option and parsing goes on,
 * VY_REP_CLI_MINE when it is the program's own, or an exit status to
 * return now: 0 after --help or --version, VY_EXIT_USAGE after a bad
 * value, an option the program does not take, or getopt's '?' / ':'.
 */
int vy_rep_cli_opt(struct vy_rep_cli *cli, int c, const char *arg);

/*
 * getopt_long over @argv with @shortopts (VY_REP_CLI_SHORT and the
 * program's letters) and @longopts, handing every shared option to
 * vy_rep_cli_opt: returns the next option that is the program's own,
 * VY_REP_CLI_END after the last, or VY_REP_CLI_EXIT with @cli->exit the
 * status to exit with (0 after --help or --version, 2 after a mistake).
 */
int vy_rep_cli_next(struct vy_rep_cli *cli, int argc, char **argv,
		    const char *shortopts, const struct option *longopts);

/* "PROG VERSION" on standard output, the --version line of every program. */
void vy_rep_cli_version(const char *prog);

/*
 * Open -o FILE as every output path is (wire/out.h: replaced atomically
 * when the report is complete) and point @cli->f at it; without -o (or
 * with -o -) @cli->f is standard output.  With @redirect, standard
 * output itself goes to FILE too, for programs that print their answer
 * there.  Returns 0, or VY_EXIT_IO after "PROG: FILE: why" on stderr.
 */
int vy_rep_cli_open_output(struct vy_rep_cli *cli, bool redirect);

/*
 * Flush the report and commit -o FILE (vy_out_commit); a write error
 * (a full disk) removes the temporary file and is reported as "PROG:
 * FILE: why".  Returns @status, or VY_EXIT_IO when writing failed and
 * @status was lower.  Standard output without -o is checked at exit
 * (vy_rep_stdout_check_at_exit).
 */
int vy_rep_cli_close_output(struct vy_rep_cli *cli, int status);

#endif
