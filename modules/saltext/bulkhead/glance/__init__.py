"""The workstation at a glance: ``bulkhead ls``, ``show`` and ``firewall`` (qvm-ls, qvm-prefs and
qvm-firewall's views), read from the pillar and one bulk read of libvirt."""
