#include "cmd.h"

const cli_command cmd_pause = CLI_ID_COMMAND(
    "pause", container_pause, "suspend every process of a container",
    "Freezes every process of a running container with the cgroup freezer\n"
    "(freezer.state on cgroup v1, cgroup.freeze on cgroup v2); `state` then\n"
    "says \"paused\" until `resume`.");
