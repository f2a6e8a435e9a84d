"""The terminal workload both paths run, and how the benchmark steers it through the agent.

A shell loop prints numbered lines as fast as it can (the terminal redraws continuously) until
the file STOP exists, then becomes ``cat``: an idle terminal whose only change is the echo of a
key typed into it. The cursor is hidden first (``ESC [?25l``), so that nothing blinks: on the
VGA console QEMU draws a blinking cursor, foot does not blink by default; hidden on both, a key's
echo is the only thing that redraws an idle screen.
"""

from __future__ import annotations

import shlex

STOP = "/run/bhgui-stop"
PIDFILE = "/run/bhgui-pid"
SCRIPT = (f"echo $$ > {PIDFILE}; printf '\\033[?25l'; i=0; "
          f"while [ ! -e {STOP} ]; do i=$((i+1)); "
          f"echo \"line $i: the quick brown fox jumps over the lazy dog\"; done; exec cat")
ON_CONSOLE = f"setsid sh -c {shlex.quote(SCRIPT)} </dev/tty1 >/dev/tty1 2>&1 &"
RESET = f"rm -f {STOP} {PIDFILE}"
# the console cleared, its cursor hidden: nothing on it changes until the workload starts
CONSOLE_IDLE = f"{RESET}; printf '\\033[H\\033[2J\\033[?25l' >/dev/tty1"
HALT_LOOP = f"touch {STOP}"
END = f"kill $(cat {PIDFILE})"
