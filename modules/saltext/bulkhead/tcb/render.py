"""The report for people: plain text, and a graphviz picture of the workstation (trust colours,
the netvm chain as solid arrows, RPC edges as dashed ones: green allow, orange ask)."""

from __future__ import annotations

import shutil
import subprocess

from .report import Report

COLOURS = {"red": "#cc0000", "orange": "#f57900", "yellow": "#edd400", "green": "#73d216",
           "gray": "#888a85", "blue": "#3465a4", "purple": "#75507b", "black": "#2e3436"}
DARK = {"red", "blue", "purple", "black", "gray"}


def _lines(report: Report) -> list[str]:
    out = [f"TCB of workstation {report.workstation} on {report.uri}", "",
           "Trusted host components (every domain relies on them):"]
    for comp in report.components:
        size = f", {comp.lines} lines of Python" if comp.lines is not None else ""
        procs = f"; processes: {', '.join(comp.processes)}" if comp.processes else ""
        note = f" ({comp.note})" if comp.note else ""
        out.append(f"  {comp.name}: {comp.version or '-'}{size}{procs}{note}")
        out.append(f"      role: {comp.role}")
    conf = report.qemu_conf
    out += ["", f"libvirt security driver: {report.security_driver} "
                f"(models: {', '.join(report.security_models) or 'none'}; "
                f"DAC label {report.dac_label or '?'})",
            f"kernel security modules: {report.lsm}",
            f"qemu.conf ({conf['path']}{'' if conf['read'] else ', unreadable: defaults'}): "
            f"user={conf['user']} group={conf['group']} "
            f"dynamic_ownership={conf['dynamic_ownership']} "
            f"seccomp_sandbox={conf['seccomp_sandbox']} security_driver={conf['security_driver']}",
            "CPU partitions: " + (", ".join(f"{k}={v}" for k, v in report.cpu_partitions.items())
                                  if report.cpu_partitions else "not configured "
                                  "(every domain may run on every core)"),
            f"RPC policy: {report.policy_source}", "", "Domains:"]
    for dom in report.domains:
        qemu = (f"QEMU pid {dom.qemu.pid} as {dom.qemu.user} (uid {dom.qemu.uid}), "
                f"seccomp {dom.qemu.seccomp}" if dom.qemu else "no QEMU process read")
        what = f"{dom.label}, {dom.klass}, {dom.state}, {dom.accelerator}"
        out.append(f"  {dom.name} [{what}]: {qemu}")
        out.append(f"      network: {' -> '.join(dom.netvm_chain)}; firewall: {dom.firewall}")
        out.append(f"      devices ({dom.xml_source} XML): "
                   + ", ".join(str(d) for d in dom.surface.devices))
        out.append(f"      channels: {', '.join(dom.surface.channels) or 'none'}")
        flagged = [*dom.surface.graphics, *dom.surface.sound, *dom.surface.usb,
                   *dom.surface.passthrough]
        out.append(f"      graphics/sound/USB/passthrough: {', '.join(flagged) or 'none'}")
        if dom.cpu_partition is not None:
            out.append(f"      CPU partition: {dom.cpu_partition}")
        for edge in (e for e in report.edges if e.source == dom.name):
            out.append(f"      rpc {edge.verdict}: {edge.service} -> {edge.target} ({edge.rule})")
    out += ["", f"Deviations from the recommended state: {len(report.deviations)} "
                f"({len(report.unaccepted)} not accepted)"]
    for dev in report.deviations:
        where = dev.domain or "host"
        mark = f"accepted: {dev.accepted}" if dev.accepted else "NOT ACCEPTED"
        out += [f"  {dev.kind} [{where}] {mark}", f"      {dev.detail}", f"      why: {dev.why}"]
    return out


def text_report(report: Report) -> str:
    return "\n".join(_lines(report)) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_graph(report: Report) -> str:
    lines = ["digraph workstation {", "  rankdir=LR;", '  node [style=filled, shape=box, '
             'fontname="sans-serif"];', f"  label={_quote(f'workstation {report.workstation}')};",
             '  "dom0" [label="dom0 (host)\\nTCB", fillcolor="#ffffff", shape=doubleoctagon];']
    uplinks = set()
    for dom in report.domains:
        font = "white" if dom.label in DARK else "black"
        flagged = any(d.domain == dom.name for d in report.unaccepted)
        flags = " !" if flagged else ""
        text = f"{dom.name}{flags}\\n{dom.label} {dom.klass}\\n{dom.state}"
        lines.append(f"  {_quote(dom.name)} [label=\"{text}\", fillcolor="
                     f"{_quote(COLOURS.get(dom.label, '#ffffff'))}, fontcolor={font}];")
        if len(dom.netvm_chain) > 1:
            nxt = dom.netvm_chain[1]
            if nxt.startswith("uplink:"):
                uplinks.add(nxt)
            lines.append(f"  {_quote(dom.name)} -> {_quote(nxt)} [penwidth=2, label=\"net\"];")
    for uplink in sorted(uplinks):
        lines.append(f"  {_quote(uplink)} [shape=ellipse, fillcolor=\"#eeeeee\"];")
    pairs: dict[tuple[str, str, str], list[str]] = {}
    for edge in report.edges:
        pairs.setdefault((edge.source, edge.target, edge.verdict), []).append(edge.service)
    for (source, target, verdict), services in sorted(pairs.items()):
        if target.startswith("@dispvm"):
            lines.append(f"  {_quote(target)} [shape=note, fillcolor=\"#ffffff\"];")
        colour = "#cc0000" if target == "dom0" and verdict == "allow" else (
            "#4e9a06" if verdict == "allow" else "#f57900")
        label = ", ".join(sorted(services)[:4]) + (" ..." if len(services) > 4 else "")
        lines.append(f"  {_quote(source)} -> {_quote(target)} [style=dashed, "
                     f"color={_quote(colour)}, fontcolor={_quote(colour)}, "
                     f"label={_quote(f'{verdict}: {label}')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


class GraphvizMissing(RuntimeError):
    pass


def svg_of(dot: str) -> str:
    """The picture, drawn by graphviz's dot (Debian package graphviz)."""
    if shutil.which("dot") is None:
        raise GraphvizMissing("graphviz's dot is not installed (apt-get install graphviz)")
    done = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60,
                          check=True)
    return done.stdout
