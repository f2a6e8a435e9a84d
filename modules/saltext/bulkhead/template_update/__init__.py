"""Updating a template without a network (Qubes' updates proxy).

docs/image.md, "Updating templates".

``script`` is the shell run in the template (apt through ``bulkhead-updates-forwarder``) and the
reading of its report; ``run`` starts the template, runs it through the agent and shuts it down;
``cli`` is ``bulkhead template update NAME``.
"""

from .script import UpdateReport, parse_report, update_script

__all__ = ["UpdateReport", "parse_report", "update_script"]
