"""What a workstation trusts (its TCB), per the Qubes "Security-Critical Code" list: the host
components, each domain's attack surface and position, its RPC edges, and the deviations from
the recommended state (docs/tcb.md).

    report = collect(conn, pillar)      # tcb/collect.py: reads libvirt, /proc, qemu.conf, policy
    report.to_json(), text_report(report), dot_graph(report)
"""

from .collect import collect
from .deviations import WHY, find_deviations
from .render import dot_graph, svg_of, text_report
from .report import SCHEMA, Deviation, Report

__all__ = ["SCHEMA", "WHY", "Deviation", "Report", "collect", "dot_graph", "find_deviations",
           "svg_of", "text_report"]
