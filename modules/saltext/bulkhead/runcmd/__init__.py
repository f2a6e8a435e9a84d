"""``bulkhead run``: a command in a domain through its agent channel, as ``qvm-run`` does in Qubes."""
