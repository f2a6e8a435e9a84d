"""The JSON form is stable: the documented fields, sorted keys, the same bytes for the same
report; the text and the picture show every deviation."""

from __future__ import annotations

import json
import re
from pathlib import Path

from saltext.bulkhead.tcb import SCHEMA, dot_graph, text_report

from .sample import sample

DOCS = Path(__file__).resolve().parents[3] / "docs" / "tcb.md"
TOP = {"schema", "workstation", "uri", "kernel", "hypervisor", "security_driver",
       "security_models", "dac_label", "lsm", "qemu_conf", "components", "domains", "edges",
       "policy_source", "cpu_partitions", "deviations"}
DOMAIN = {"name", "label", "trust", "class", "state", "xml_source", "accelerator", "qemu",
          "surface", "netvm_chain", "provides_network", "firewall", "cpu_partition"}


def test_json_has_exactly_the_documented_fields():
    data = sample().to_json()
    assert data["schema"] == SCHEMA == "bulkhead-tcb/1"
    assert set(data) == TOP
    assert set(data["domains"][0]) == DOMAIN
    assert set(data["edges"][0]) == {"source", "target", "service", "verdict", "rule"}
    assert set(data["deviations"][0]) == {"kind", "domain", "detail", "why", "accepted"}
    documented = set(re.findall(r"^\| `([a-z_.\[\]]+)`", DOCS.read_text(), re.M))
    for name in TOP | {f"domains[].{k}" for k in DOMAIN} | {"edges[].verdict", "deviations[].kind"}:
        assert name in documented, f"docs/tcb.md does not document {name}"


def test_json_is_byte_stable():
    first = json.dumps(sample().to_json(), sort_keys=True)
    assert first == json.dumps(sample().to_json(), sort_keys=True)
    assert json.loads(first)["edges"] == sorted(json.loads(first)["edges"],
                                                key=lambda e: (e["source"], e["target"],
                                                               e["service"], e["verdict"]))


def test_text_and_picture_show_each_deviation_and_edge():
    report = sample()
    text = text_report(report)
    for dev in report.deviations:
        assert f"{dev.kind} [{dev.domain or 'host'}] NOT ACCEPTED" in text
    dot = dot_graph(report)
    assert '"work" -> "dom0"' in dot and "allow: qubes.GetDate" in dot
    assert '"work" -> "vault"' in dot and "ask: qubes.Filecopy" in dot
    assert '"loud" [label="loud !' in dot  # a domain with an unaccepted deviation is marked
