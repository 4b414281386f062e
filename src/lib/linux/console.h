/* /dev/console for a container with a terminal: the pty slave is bound onto
 * it after pivot_root. */
#ifndef CLAWRT_CONSOLE_H
#define CLAWRT_CONSOLE_H

#include "error.h"

/* Verify slave is a pty, make /dev/console a regular file (never following
 * a symlink the rootfs put there: CVE-2025-52565) and bind the pty on it
 * through fds. */
int console_bind(int slave, clawrt_error *err);

#endif
