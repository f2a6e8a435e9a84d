"""Exclusive mode: one command runs in one domain while every other domain of the workstation is
paused (the data-leaks document's answer to side-channel sniffing), and exactly those pauses are
undone afterwards, even when the run is killed.

``session.run_exclusive`` does it; ``record`` is the host file that names the pauses;
``recover`` undoes a killed run's pauses (every bulkhead command and the host's boot call it);
``holding.wait_while_held`` is how memd and the RPC broker wait while exclusive mode holds.
"""

from .holding import holder, wait_while_held
from .pausing import ExclusiveError
from .record import RecordError
from .recover import recover
from .resume import Resumed
from .session import Exclusive, Where, run_exclusive, where_of

__all__ = ["Exclusive", "ExclusiveError", "RecordError", "Resumed", "Where", "holder", "recover",
           "run_exclusive", "wait_while_held", "where_of"]
