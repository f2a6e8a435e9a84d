"""What runs inside a guest: the RPC daemon (``bulkhead-rpcd``), the user's RPC and copy
commands (``bulkhead-rpc``, ``bulkhead-copy``) and the ``qubes.Filecopy`` service.

The image ships this package with ``rpcwire``, ``filecopy`` and ``untrusted`` only
(GUEST_MODULES in image/python_closure.py): nothing here imports libvirt, the policy engine or
any host daemon. See docs/rpc.md.
"""
