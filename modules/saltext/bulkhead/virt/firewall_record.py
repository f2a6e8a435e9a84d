"""What bulkhead last delivered to a netvm: a record per netvm on the host, trusted over anything
the guest says, so ``changes`` can show the rule diff against it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from ..atomic_file import write_atomically
from ..model import FirewallRule
from ..net import Ruleset

RECORD_DIR = Path("/var/lib/bulkhead/firewall")


def read_record(path: Path) -> tuple[str | None, dict[str, list[FirewallRule]]]:
    try:
        data = json.loads(path.read_text())
        rules = {c: [FirewallRule.model_validate(r) for r in rs] for c, rs in data["rules"].items()}
        return data["sha256"], rules
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, {}  # no usable record: the diff shows every rule as new


def write_record(path: Path, ruleset: Ruleset, rules: Mapping[str, list[FirewallRule]]) -> None:
    body = {"sha256": ruleset.sha256,
            "rules": {c: [r.model_dump(mode="json", exclude_none=True) for r in rs]
                      for c, rs in rules.items()}}
    write_atomically(path, (json.dumps(body, sort_keys=True, indent=1) + "\n").encode(),
                     dir_mode=0o700)
