"""The formula's defaults are the model's: one source (model.Formula), the copies checked here.

states/bulkhead/map.jinja needs them while rendering, before any bulkhead code runs, so
parameters/defaults.yaml holds the values the SLS files read; they must be the model's defaults,
which the states apply when a pillar leaves a key out.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from saltext.bulkhead.model.pillar import Formula

REPO = Path(__file__).resolve().parents[3]
FORMULA = REPO / "states/bulkhead"


def model_defaults() -> dict[str, object]:
    return Formula().model_dump(mode="json")


def formula_defaults() -> dict[str, object]:
    return yaml.safe_load((FORMULA / "parameters/defaults.yaml").read_text())["formula"]


def test_defaults_yaml_holds_the_models_defaults():
    model = model_defaults()
    assert set(formula_defaults()) <= set(model)
    assert formula_defaults() == {key: model[key] for key in formula_defaults()}


def test_every_formula_key_an_sls_reads_has_a_default():
    read = {key for sls in FORMULA.glob("*.sls")
            for key in re.findall(r"bulkhead\.formula\.(\w+)", sls.read_text())}
    assert read and read <= set(formula_defaults())


def test_the_formula_page_shows_the_models_defaults():
    rows = re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", (REPO / "docs/formula.md").read_text(), re.M)
    assert {key for key, _ in rows} == set(formula_defaults())
    model = model_defaults()
    assert {key: json.loads(shown) for key, shown in rows} == {key: model[key] for key, _ in rows}
