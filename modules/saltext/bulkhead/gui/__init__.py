"""GUI virtualization, host side: each running domain with ``gui: true`` gets a relay that hands
its GUI channel to a sandboxed ``waypipe client`` of its own user, into the user's compositor,
and labels its windows there by which process drew them (docs/gui.md)."""
