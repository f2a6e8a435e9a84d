"""Inter-domain RPC: the host broker and the guest daemon, and the framing both speak.

The package's ``__init__`` imports nothing: the guest image ships ``frames``, ``messages`` and the
``guest_*`` modules without libvirt or the policy engine, and the host side imports what it needs.
See docs/rpc.md.
"""
