"""A testinfra backend that runs commands inside a bulkhead domain through its agent channel.

``pytest --hosts=bulkhead://work`` (or ``testinfra.get_host("bulkhead://work")``) runs every
command with ``sh -c`` as root in the domain ``work``, over the virtio-serial channel: no network,
no sshd in the guest, so domains without any NIC can be checked too. It must run on the host that
runs the domains (the channel is a local unix socket). Options: ``?timeout=SECONDS`` per command.

Example::

    def test_vault_has_no_network(host):  # pytest --hosts=bulkhead://vault
        assert host.check_output("ls /sys/class/net") == "lo"
"""

from __future__ import annotations

from typing import Any

from testinfra.backend import base

from ..agent import AgentClient
from ..plan import names


class AgentBackend(base.BaseBackend):
    NAME = "bulkhead"

    def __init__(self, hostname: str, *args: Any, timeout: int | str = 60, **kwargs: Any):
        self.domain = hostname
        self.command_timeout = int(timeout)
        super().__init__(hostname, *args, **kwargs)

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        cmd = self.get_command(command, *args)
        result = AgentClient(names.agent_socket(self.domain)).run(cmd, timeout=self.command_timeout)
        return self.result(result.rc, self.encode(cmd), result.stdout, result.stderr)


def register() -> None:
    """Make ``bulkhead://DOMAIN`` a testinfra host spec (testinfra looks backends up by name)."""
    from testinfra import backend

    backend.BACKENDS.setdefault("bulkhead", f"{__name__}.AgentBackend")
