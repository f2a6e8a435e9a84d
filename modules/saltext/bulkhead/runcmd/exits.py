"""``bulkhead run``'s own exit codes, apart from the guest command's (which pass through) and
from a usage error (2), as ``timeout(1)`` and ``env(1)`` keep theirs."""

TIMEOUT = 124  # the command ran past --timeout and was killed
FAILED = 125  # bulkhead itself failed: libvirt, the agent channel, the start of a halted domain
NOT_RUNNING = 126  # no such domain, or it is not running (and --autostart was not given)


class RunRefused(Exception):
    """Why the command was not run, with the exit code that says so."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code
