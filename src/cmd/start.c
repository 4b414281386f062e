#include "cmd.h"

const cli_command cmd_start = CLI_ID_COMMAND(
    "start", container_start, "run the process of a created container",
    "Releases the process that `clawrt create` left waiting: it runs the\n"
    "container's program (process.args of config.json).");
