"""The reconcile vocabulary: inspect first, record each change and the step that makes it, then
run the steps unless in test mode (``Work``), and say what happened (``Outcome``, ``refused``).

No libvirt here: virt, the daemons' states (memd, rpc, boot) and systemd units all reconcile
with it. See ``outcome.py`` for why test mode cannot mutate anything.
"""

from .outcome import Outcome, Work, refused

__all__ = ["Outcome", "Work", "refused"]
