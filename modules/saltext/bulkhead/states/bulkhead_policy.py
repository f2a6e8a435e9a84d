"""State ``bulkhead_policy.managed``: the RPC policy files of the ``bulkhead:policy`` pillar.

.. code-block:: yaml

    bulkhead-policy-files:
      bulkhead_policy.managed: []

Writes each file of ``bulkhead:policy:files`` into ``bulkhead:policy:dir`` (with a header line
that marks it as bulkhead's), removes files bulkhead wrote earlier that the pillar no longer
lists, and leaves every other file alone. The whole resulting policy is loaded before anything is
installed: an invalid one fails the state with file:line and the installed policy stays in force.
``changes`` holds a unified diff per file; test mode reports them and writes nothing.
"""

from saltext.bulkhead.policy.install import install_policy
from saltext.bulkhead.saltret import run_state

__virtualname__ = "bulkhead_policy"


def __virtual__():
    return __virtualname__


def managed(name="bulkhead-policy", lock_timeout=None):
    """The files of ``bulkhead:policy:files`` are installed in ``bulkhead:policy:dir``; files
    bulkhead wrote earlier that the pillar no longer lists are removed. An invalid resulting
    policy fails the state and installs nothing.

    name
        The state's name.
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-policy-files:
          bulkhead_policy.managed: []
    """
    def action(model):
        config = model.policy
        bodies = {file: config.text_of(file) for file in config.files}
        return install_policy(config.dir, bodies, test=__opts__["test"])

    return run_state(name, __pillar__, action, test=__opts__["test"], lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))
