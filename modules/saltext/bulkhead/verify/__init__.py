"""``bulkhead verify``: the host-side isolation suite (pytest + testinfra) and its runner.

The checks live in ``suite/`` as plain pytest files so admins can run them with ``pytest
--hosts=...``;
the parsers and comparisons they rely on are here, Salt-free and unit-tested.
"""
