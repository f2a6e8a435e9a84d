"""Pillar files: Salt's rendering (Jinja, then YAML by Salt's rules), FILE:LINE in every error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.model import DomainClass, PillarError, load_pillar_file
from saltext.bulkhead.model.docs import pillar_docs
from saltext.bulkhead.model.load import load_pillar_text
from saltext.bulkhead.model.memory_balancer import MemoryBalancer
from saltext.bulkhead.model.pillar import (
    Domain,
    FirewallRule,
    Formula,
    FormulaPaths,
    Host,
    Memory,
    Pillar,
    TemplateImage,
    UplinkNetwork,
)
from saltext.bulkhead.model.rpc_policy import PolicyConfig
from saltext.bulkhead.model.schema import pillar_schema
from saltext.bulkhead.model.tcb import AcceptedDeviation, TcbConfig

REPO = Path(__file__).resolve().parents[3]
WORKSTATION = REPO / "pillar/examples/workstation.sls"
EXAMPLE = REPO / "pillar.example"

GOOD = """\
bulkhead:
  domains:
    base:
      class: template
      image: {kind: disk, root: /i/base.qcow2}
    work:
      class: app
      template: base
      memory:
        initial: 128
        max: 64
"""


def lines_of(text: str, name: str = "p.sls") -> list[str]:
    with pytest.raises(PillarError) as info:
        load_pillar_text(text, name)
    return info.value.lines


def test_error_names_file_and_line_of_the_key():
    assert lines_of(GOOD) == [
        "p.sls:11: bulkhead:domains:work:memory:max: must be at least memory:initial (128 MiB), "
        "got 64"
    ]


def test_missing_key_points_at_its_parent_and_unknown_key_at_itself():
    text = GOOD.replace("      class: app\n", "      klass: app\n").replace("max: 64", "max: 256")
    assert lines_of(text) == [
        "p.sls:6: bulkhead:domains:work:class: required key is missing; it must be one of "
        "template, app, disposable, standalone",
        "p.sls:7: bulkhead:domains:work:klass: unknown key 'klass'; allowed: class, template, "
        "netvm, uplink, provides_network, default_dispvm, template_for_dispvms, label, vcpus, "
        "memory, private_mib, image, running, autostart, ip, cpu_partition, gui, tags, firewall",
    ]


def test_an_invalid_name_is_reported_by_what_it_names():
    """An invalid key of a mapping (an image's, an uplink's, a partition's name) gets FILE:LINE,
    its pillar path and that kind of name's rule, as a domain name does; never a domain's rule.
    A key the path quotes (a space, a ':') is found on its own line, not its parent's."""
    text = (
        "bulkhead:\n"
        "  host:\n"
        "    uplinks:\n"
        "      'bad name': {}\n"
        "    cpu_partitions:\n"
        "      Bad: {cpus: '0', labels: [red]}\n"
        "  images:\n"
        "    Debian_12: {kind: debian}\n"
        "    'debian:12': {kind: debian}\n"
        "  domains:\n"
        "    Work: {class: standalone, image: {kind: disk, root: /i/w.qcow2}}\n"
    )
    image_rule = ("image names are lowercase letters, digits, '.', '_' and '-', starting with a "
                  "letter")
    assert lines_of(text) == [
        "p.sls:11: bulkhead:domains:Work: domain names are lowercase letters, digits and '-', "
        "start with a letter, at most 31 characters (got the text 'Work')",
        "p.sls:6: bulkhead:host:cpu_partitions:Bad: must be a partition name: lowercase letters, "
        "digits and '-', starting with a letter, at most 31 characters (got the text 'Bad')",
        "p.sls:4: bulkhead:host:uplinks:'bad name': uplink names are libvirt network names: "
        "letters, digits, '_', '.' and '-', starting with a letter or digit, at most 64 "
        "characters (got the text 'bad name')",
        f"p.sls:9: bulkhead:images:'debian:12': {image_rule} (got the text 'debian:12')",
        f"p.sls:8: bulkhead:images:Debian_12: {image_rule} (got the text 'Debian_12')",
    ]


def test_lines_follow_the_source_when_jinja_removes_lines():
    text = "{#- a comment\n    on two lines #}\n{%- set mib = 64 %}\n" + GOOD.replace(
        "max: 64", "max: {{ mib }}"
    )
    assert lines_of(text) == [
        "p.sls:14: bulkhead:domains:work:memory:max: must be at least memory:initial (128 MiB), "
        "got 64"
    ]


def test_yaml_syntax_error_has_a_line():
    assert lines_of("bulkhead:\n  domains:\n    a: {class: app\n") == [
        "p.sls:3: YAML error: expected ',' or '}', but got '<stream end>'"
    ]


def test_control_characters_are_a_yaml_error_with_a_line():
    assert lines_of('bulkhead:\n  a: "\x1f"\n') == [
        "p.sls:2: YAML error: control character U+001F is not allowed in YAML"
    ]


def test_repeated_key_is_an_error_as_in_salt():
    text = GOOD.replace("      template: base\n", "      template: base\n      template: other\n")
    assert lines_of(text) == [
        "p.sls:9: YAML error: duplicate key 'template' (first at line 8; Salt refuses repeated "
        "keys)"
    ]


def test_jinja_errors_have_a_line():
    assert lines_of("bulkhead:\n  x: {{ grains.id }}\n") == [
        "p.sls:2: Jinja error: 'dict object' has no attribute 'id' (outside Salt, grains, pillar "
        "and salt functions are empty)"
    ]
    assert lines_of("bulkhead:\n{% if %}\n") == [
        "p.sls:2: Jinja syntax error: Expected an expression, got 'end of statement block'"
    ]


def test_salt_yaml_rules_timestamps_stay_text_and_leading_zero_is_decimal():
    text = GOOD.replace("max: 64", "max: 0256").replace(
        "      class: app\n",
        "      class: app\n      firewall: [{action: drop, expire: 2024-01-01}]\n",
    )
    assert lines_of(text) == [
        "p.sls:8: bulkhead:domains:work:firewall:0:expire: must be a Unix timestamp (whole seconds "
        "since 1970-01-01 UTC) (got the text '2024-01-01')"
    ]
    assert load_pillar_text(GOOD.replace("max: 64", "max: 0256")).domains["work"].memory.max == 256


def test_unquoted_no_and_float_in_a_file():
    text = GOOD.replace("max: 64", "max: 128.0").replace(
        "      template: base\n", "      template: base\n      netvm: no\n"
    )
    assert lines_of(text) == [
        "p.sls:12: bulkhead:domains:work:memory:max: must be a whole number of MiB from 32 to "
        "1048576, at least initial (got the decimal number 128.0)",
        "p.sls:9: bulkhead:domains:work:netvm: got the YAML boolean false (unquoted yes/no/on/off "
        "are booleans); write netvm: none for no network, or a domain name",
    ]


def test_demo_workstation_is_what_the_demo_needs():
    pillar = load_pillar_file(WORKSTATION)
    d = pillar.domains
    assert set(d) == {"debian-12", "debian-min", "outside", "sys-net", "sys-firewall", "work",
                      "personal", "vault", "untrusted", "dvm-template"}
    assert {n for n, x in d.items() if x.running} == {
        "outside",
        "sys-net",
        "sys-firewall",
        "work",
        "personal",
        "vault",
    }
    assert pillar.host.domain_type.value == "qemu"
    assert d["debian-min"].image.kernel == "/var/cache/bulkhead/images/debian-min/vmlinuz"
    assert (
        d["untrusted"].class_,
        d["untrusted"].template,
        d["dvm-template"].template_for_dispvms,
    ) == (DomainClass.disposable, "dvm-template", True)
    assert (d["sys-firewall"].netvm, d["work"].netvm, d["vault"].netvm) == (
        "sys-net",
        "sys-firewall",
        None,
    )
    assert [r.action for r in d["work"].firewall] == ["accept", "accept", "drop"]
    assert (d["work"].firewall[0].dsthost, d["work"].firewall[0].dstports) == ("198.51.100.1", 80)
    assert [r.action for r in d["personal"].firewall] == ["accept"] and d["personal"].firewall[
        0
    ].dsthost is None
    assert (d["outside"].uplink.network, d["sys-net"].uplink.network) == (
        "lab-internet",
        "lab-internet",
    )
    assert d["sys-net"].uplink.dns == (d["outside"].uplink.address.ip,)
    assert pillar.memory is not None and pillar.memory.reserve_mib == 1024  # the demo runs memd
    assert all(x.vcpus == 1 for x in d.values())
    # The app domains run Debian (built from bulkhead:images), the network domains the tiny image.
    debian = {"debian-12", "work", "personal", "vault", "dvm-template", "untrusted"}
    assert {n for n, x in d.items() if x.template == "debian-12"} == debian - {
        "debian-12",
        "untrusted",
    }
    assert d["debian-12"].image.root == "/var/cache/bulkhead/images/debian-12/root.qcow2"
    assert set(pillar.images) == {"debian-12"} and pillar.images["debian-12"].kind == "debian"
    assert {n for n, x in d.items() if x.template == "debian-min"} == {
        "outside",
        "sys-net",
        "sys-firewall",
    }
    assert all((x.memory.initial, x.memory.max) == ((256, 512) if n in debian else (128, 192))
               for n, x in d.items())


def test_top_sls_targets_the_demo():
    assert yaml.safe_load((REPO / "pillar/top.sls").read_text()) == {
        "base": {"*": ["examples.workstation"]}
    }


def _keys(model, prefix=""):
    from saltext.bulkhead.model.messages import _is_model, _strip

    for name, info in model.model_fields.items():
        key = info.alias or name
        yield prefix + key
        inner, _ = _strip(info.annotation)
        if _is_model(inner):
            yield from _keys(inner, f"{prefix}{key}.")


def test_pillar_example_validates_and_documents_every_key():
    load_pillar_file(EXAMPLE)
    text = EXAMPLE.read_text()
    written = set(re.findall(r"^\s*(?:- )?([a-z_]+):", text, re.M))
    for model in (Pillar, Host, UplinkNetwork, Formula, FormulaPaths, Domain, Memory, TemplateImage,
                  FirewallRule, PolicyConfig, MemoryBalancer, TcbConfig, AcceptedDeviation):
        missing = {k.rsplit(".", 1)[-1] for k in _keys(model)} - written
        assert not missing, f"pillar.example lacks {model.__name__} keys {missing}"
    # Each key line is commented (inline, on a comment line above, or in the comment block of its
    # list).
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = re.match(r"^(\s*)(?:- )?([a-z_]+):", line)
        if match and match[2] not in {"bulkhead"} and not re.match(r"^\s*[a-z-]+:\s*$", line):
            above = lines[number - 1].strip() if number else ""
            block = [prev.strip() for prev in lines[max(0, number - 12):number]]
            documented = (
                "#" in line
                or above.startswith("#")
                or any(f"{match[2]}" in b for b in block if b.startswith("#"))
            )
            seen_earlier = any(
                re.match(rf"^\s*(?:- )?{match[2]}:", prev) for prev in lines[:number]
            )
            assert documented or seen_earlier, (
                f"pillar.example:{number + 1}: '{match[2]}' has no comment"
            )


def test_schema_accepts_the_examples_and_rejects_what_the_model_rejects():
    schema = pillar_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in (WORKSTATION, EXAMPLE):
        from saltext.bulkhead.model.source import read_pillar_source

        assert not list(validator.iter_errors(read_pillar_source(path).data)), path
    bad = {
        "bulkhead": {
            "domains": {
                "Work": {"class": "app"},
                "none": {"class": "app"},
                "ok": {"class": "vm", "memroy": 1},
            }
        }
    }
    assert len(list(validator.iter_errors(bad))) >= 3


def test_every_schema_property_has_a_description():
    schema = pillar_schema()
    for name, definition in schema["$defs"].items():
        for key, prop in definition.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key} has no description"


def test_docs_are_generated_from_the_model():
    assert (REPO / "docs/pillar.md").read_text() == pillar_docs(), (
        "regenerate: bulkhead pillar docs > docs/pillar.md"
    )
    for key in _keys(Domain, "bulkhead:domains:<name>:"):
        assert f"## `{key.replace('.', ':')}`" in pillar_docs()


def test_cli_check_and_schema(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["pillar", "check", str(WORKSTATION)])
    assert (ok.exit_code, ok.output) == (0, f"{WORKSTATION}: OK (10 domains, 6 running)\n")
    bad = tmp_path / "bad.sls"
    bad.write_text(GOOD)
    failed = runner.invoke(app, ["pillar", "check", str(bad)])
    assert failed.exit_code == 1
    assert (
        failed.output.splitlines()[0]
        == f"{bad}:11: bulkhead:domains:work:memory:max: "
        "must be at least memory:initial (128 MiB), got 64"
    )
    top = runner.invoke(app, ["pillar", "check", str(REPO / "pillar/top.sls")])
    assert top.exit_code == 1 and "no 'bulkhead' key" in top.output
    schema = runner.invoke(app, ["pillar", "schema"])
    assert (
        schema.exit_code == 0
        and json.loads(schema.output)["properties"]["bulkhead"]["properties"]["domains"]
    )


def test_check_json_gives_the_merged_verdict_as_data(tmp_path):
    good, bad = tmp_path / "good.sls", tmp_path / "bad.sls"
    good.write_text(
        "bulkhead:\n  domains:\n    t: {class: template, image: {kind: disk, root: /r}}\n"
    )
    bad.write_text("bulkhead:\n  domains:\n    x: {class: nosuch}\n")
    result = CliRunner().invoke(app, ["pillar", "check", "--json", str(good)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"ok": True, "checked": str(good), "errors": [],
                                         "domains": 1, "running": 0}
    result = CliRunner().invoke(app, ["pillar", "check", "--json", str(good), str(bad)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["checked"] == f"{good} + {bad}"
    assert data["errors"][0].startswith(f"{bad}:3: bulkhead:domains:x:class:")


def test_the_tiers_booting_the_whole_example_run_it_on_the_tiny_image(tmp_path):
    """tests/topology.py's test-only override: the example's Debian template boots the tiny
    image and nothing is left to build; every other line of the example is as shipped."""
    from tests.topology import on_the_tiny_template, prefixed_pillar_text

    text = prefixed_pillar_text(WORKSTATION, "it-", "it-pool", tmp_path / "files")
    (tmp_path / "tiny.sls").write_text(on_the_tiny_template(text))
    (tmp_path / "debian.sls").write_text(text)
    tiny, debian = (
        load_pillar_file(tmp_path / "tiny.sls"),
        load_pillar_file(tmp_path / "debian.sls"),
    )
    assert tiny.images == {} and set(debian.images) == {"it-debian-12"}
    assert tiny.domains["it-debian-12"].image == tiny.domains["it-debian-min"].image
    assert debian.domains["it-debian-12"].image.root.endswith("/debian-12/root.qcow2")
    assert {n: d.model_copy(update={"image": None}) for n, d in tiny.domains.items()} == {
        n: d.model_copy(update={"image": None}) for n, d in debian.domains.items()}
