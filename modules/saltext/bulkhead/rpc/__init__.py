"""Inter-domain RPC, host side: the broker, its policy decisions, the disposables it starts or
creates for a call, and the broker's service and command line.

The wire protocol is ``rpcwire``; the guest end is ``guest``. See docs/rpc.md.
"""
