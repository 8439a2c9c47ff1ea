/* Subcommands of the covermap executable. Each takes the arguments after
 * "covermap" (argv[0] is the subcommand's name) and returns the process exit
 * status: 0 success, 1 bad data or input/output failure, 2 bad usage. */
#ifndef COVERMAP_CLI_H
#define COVERMAP_CLI_H

/* `covermap classify -m METHOD -k K [-b BREAKS] [--counts] [FILE|-]`: reads one
 * number a line and prints the class upper bounds, one a line. */
int cm_cli_classify(int argc, char **argv);

#endif
