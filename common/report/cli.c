/* SPDX-License-Identifier: MIT */
#include "report/cli.h"
#include "wire/err.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char *const opt_names[] = {
	['f'] = "-f/--format", ['j'] = "-j", ['o'] = "-o/--output",
	['q'] = "-q/--quiet", ['v'] = "-v/--verbose", ['d'] = "-d/--device",
};

static unsigned opt_bit(int c)
{
	switch (c) {
	case 'f':
	case 'j':
		return VY_REP_CLI_FORMAT;
	case 'o':
		return VY_REP_CLI_OUTPUT;
	case 'q':
		return VY_REP_CLI_QUIET;
	case 'v':
		return VY_REP_CLI_VERBOSE;
	case 'd':
		return VY_REP_CLI_DEVICE;
	}
	return 0;
}

void vy_rep_cli_version(const char *prog)
{
	printf("%s %s\n", prog, VY_VERSION);
}

void vy_rep_cli_init(struct vy_rep_cli *cli, const char *prog, unsigned takes,
		     unsigned formats, enum vy_rep_format def_fmt,
		     void (*usage)(FILE *f), char **argv)
{
	memset(cli, 0, sizeof(*cli));
	cli->prog = prog;
	cli->takes = takes;
	cli->formats = formats;
	cli->fmt = def_fmt;
	cli->usage = usage;
	cli->argv = argv;
	opterr = 0;
}

int vy_rep_cli_opt(struct vy_rep_cli *cli, int c, const char *arg)
{
	struct vy_err e;
	unsigned bit = opt_bit(c);

	if (bit && !(cli->takes & bit))
		return vy_rep_usage_err(cli->prog, "%s: not an option of %s "
					"(vyre(7) lists which programs take it)",
					opt_names[c], cli->prog);
	switch (c) {
	case 'f':
		if (vy_rep_format_parse(arg, cli->formats, &cli->fmt, &e))
			return vy_rep_usage_err(cli->prog, "%s", e.msg);
		cli->fmt_set = true;
		return VY_REP_CLI_NEXT;
	case 'j':
		if (!(cli->formats & 1u << VY_FMT_JSON))
			return vy_rep_usage_err(cli->prog, "-j: %s writes no JSON",
						cli->prog);
		cli->fmt = VY_FMT_JSON;
		cli->fmt_set = true;
		return VY_REP_CLI_NEXT;
	case 'o':
		cli->output = arg;
		return VY_REP_CLI_NEXT;
	case 'q':
		cli->quiet = true;
		return VY_REP_CLI_NEXT;
	case 'v':
		cli->verbose++;
		return VY_REP_CLI_NEXT;
	case 'd':
		cli->device = arg;
		return VY_REP_CLI_NEXT;
	case 'h':
		cli->usage(stdout);
		return VY_EXIT_OK;
	case 'V':
		vy_rep_cli_version(cli->prog);
		return VY_EXIT_OK;
	case '?':
		if (optopt)
			return vy_rep_usage_err(cli->prog, "-%c: unknown option",
						optopt);
		return vy_rep_usage_err(cli->prog, "%s: unknown option",
					cli->argv[optind - 1]);
	case ':':
		return vy_rep_usage_err(cli->prog, "%s: needs a value",
					cli->argv[optind - 1]);
	}
	return VY_REP_CLI_MINE;
}

int vy_rep_cli_next(struct vy_rep_cli *cli, int argc, char **argv,
		    const char *shortopts, const struct option *longopts)
{
	int c, rc;

	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		rc = vy_rep_cli_opt(cli, c, optarg);
		if (rc == VY_REP_CLI_MINE)
			return c;
		if (rc != VY_REP_CLI_NEXT) {
			cli->exit = rc;
			return VY_REP_CLI_EXIT;
		}
	}
	return VY_REP_CLI_END;
}

int vy_rep_cli_open_output(struct vy_rep_cli *cli, bool redirect)
{
	struct vy_err e;

	cli->f = stdout;
	if (!cli->output || !strcmp(cli->output, "-"))
		return 0;
	if (vy_out_open(&cli->out, cli->output, &e)) {
		vy_rep_err(stderr, cli->prog, &e);
		return VY_EXIT_IO;
	}
	cli->out_open = true;
	cli->f = cli->out.f;
	if (redirect && cli->out.f != stdout) {
		if (fflush(stdout) ||
		    dup2(fileno(cli->out.f), STDOUT_FILENO) < 0) {
			fprintf(stderr, "%s: %s: %s\n", cli->prog, cli->output,
				strerror(errno));
			vy_out_abort(&cli->out);
			cli->out_open = false;
			return VY_EXIT_IO;
		}
		cli->redirected = true;
		cli->f = stdout;
	}
	return 0;
}

int vy_rep_cli_close_output(struct vy_rep_cli *cli, int status)
{
	struct vy_err e;
	int err = 0;

	if (!cli->out_open)
		return status;
	cli->out_open = false;
	/* what went to stdout is in the file once stdout is flushed */
	if (cli->redirected && (fflush(stdout) || ferror(stdout)))
		err = errno ? errno : EIO;
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", cli->prog, cli->output,
			strerror(err));
		vy_out_abort(&cli->out);
	} else if (vy_out_commit(&cli->out, &e)) {
		vy_rep_err(stderr, cli->prog, &e);
		err = 1;
	}
	return err && status < VY_EXIT_IO ? VY_EXIT_IO : status;
}
