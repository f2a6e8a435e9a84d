"""State ``bulkhead_firewall.applied``: every running netvm enforces its clients' current rules.

.. code-block:: yaml

    bulkhead-firewall-rulesets:
      bulkhead_firewall.applied: []

Compiles one nftables ruleset per netvm from the ``firewall`` rules of its clients (checked with
``nft -c``; a client whose rules nft refuses is closed, not dropped from the check), asks each
running netvm's agent which ruleset it enforces, and delivers the new one live where they differ.
Every netvm's firewall volume (what it loads at boot) gets its ruleset too, running or not.
``changes`` holds, per netvm, what happened: the old and new ruleset hashes and the rule diff per
client, and the boot volume's hashes; test mode reports them and changes nothing. Each netvm
converges on its own: one that does not answer (within ``AgentBounds``) or refuses fails the
state naming it and why, and every other netvm still gets its ruleset (docs/firewall.md).
"""


from saltext.bulkhead.saltret import reconcile

__virtualname__ = "bulkhead_firewall"


def __virtual__():
    return __virtualname__


def applied(name="bulkhead-firewall", lock_timeout=None):
    """Every running netvm enforces its clients' current rules, and every netvm's firewall
    volume holds them for its next boot.

    name
        The state's name.
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-firewall-rulesets:
          bulkhead_firewall.applied:
            - require:
              - sls: bulkhead.domains
    """
    from saltext.bulkhead.virt.firewall import firewalls_applied

    def deliver(conn, model, *, test):
        # records and the broker's disposables: this workstation's (formula.paths)
        return firewalls_applied(conn, model, test=test)

    return reconcile(name, __pillar__, deliver, test=__opts__["test"], context=__context__,
                     lock_timeout=lock_timeout, minion_id=__opts__.get("id"))
