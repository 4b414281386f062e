#include "cmd.h"

const cli_command cmd_resume = CLI_ID_COMMAND(
    "resume", container_resume, "resume the processes of a paused container",
    "Thaws every process of a paused container; `state` says \"running\"\n"
    "again.");
