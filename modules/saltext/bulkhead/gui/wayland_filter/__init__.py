"""A Wayland protocol filter between one domain's ``waypipe client`` and the host compositor.

The domain's windows reach the compositor only through it (``__main__`` for the command line):
it offers only the globals of ``allowlist``, closes a connection that binds anything else
(``registry``), keeps each domain's clipboard its own (``clipboard``), keeps decorations
server-side (``decoration``) and windows out of fullscreen (``shell``), and bounds what a
connection may queue (``outbox``, ``relay``). Everything it does not track passes byte for byte
(``stream``, ``wire``). With a control socket it serves root's ``bulkhead clipboard copy`` and
``paste`` (``control``, ``control_wire``, ``paste``). docs/gui-filter.md has the design.
"""
