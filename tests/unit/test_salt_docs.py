"""Every public Salt function says what it does, with an example Salt shows
(``salt-call --local sys.state_doc bulkhead_domain``, ``sys.doc bulkhead_policy``).

A state function's example is a YAML state using that very function with arguments it takes; an
execution function's is a ``salt-call`` line calling it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import textwrap
from types import ModuleType

import pytest
import yaml

from saltext.bulkhead import modules as execution_modules
from saltext.bulkhead import states as state_modules

REQUISITES = {"require", "watch", "onchanges", "onfail", "prereq", "require_in", "watch_in",
              "order", "unless", "onlyif"}


def loader_modules(package: ModuleType) -> list[ModuleType]:
    return [importlib.import_module(f"{package.__name__}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)]


def public_functions(module: ModuleType) -> list[tuple[str, object]]:
    return [(name, fn) for name, fn in vars(module).items()
            if inspect.isfunction(fn) and fn.__module__ == module.__name__
            and not name.startswith("_")]


def code_blocks(doc: str, language: str) -> list[str]:
    """The bodies of the ``.. code-block:: <language>`` blocks of a docstring."""
    blocks = re.findall(rf"^ *\.\. code-block:: {language}\n\n((?:(?: {{4,}}.*)?\n)+)",
                        inspect.cleandoc(doc) + "\n", re.M)
    return [textwrap.dedent(block) for block in blocks]


STATES = [(module, name, fn) for module in loader_modules(state_modules)
          for name, fn in public_functions(module)]
EXECUTION = [(module, name, fn) for module in loader_modules(execution_modules)
             for name, fn in public_functions(module)]


def test_every_loader_module_is_seen():
    assert {m.__virtualname__ for m, _, _ in STATES} >= {"bulkhead_domain", "bulkhead_rpc"}
    assert len(STATES) >= 14 and {m.__virtualname__ for m, _, _ in EXECUTION} == {
        "bulkhead", "bulkhead_exclusive", "bulkhead_pillar", "bulkhead_policy"}


@pytest.mark.parametrize(("module", "name", "fn"), STATES,
                         ids=[f"{m.__virtualname__}.{n}" for m, n, _ in STATES])
def test_state_function_has_a_yaml_example_using_it(module, name, fn):
    doc = fn.__doc__ or ""
    params = list(inspect.signature(fn).parameters)
    missing = [p for p in params if p != "name" and not re.search(rf"\b{p}\b", doc)]
    assert not missing, f"parameters not described: {missing}"
    examples = code_blocks(doc, "yaml")
    assert examples, "no .. code-block:: yaml example"
    for example in examples:
        states = yaml.safe_load(example)
        assert isinstance(states, dict) and states
        for state in states.values():
            assert list(state) == [f"{module.__virtualname__}.{name}"]
            args = [key for arg in state[f"{module.__virtualname__}.{name}"] for key in arg]
            assert set(args) <= set(params) | REQUISITES


@pytest.mark.parametrize(("module", "name", "fn"), EXECUTION,
                         ids=[f"{m.__virtualname__}.{n}" for m, n, _ in EXECUTION])
def test_execution_function_has_a_cli_example_calling_it(module, name, fn):
    examples = code_blocks(fn.__doc__ or "", "bash")
    assert examples and "CLI Example:" in fn.__doc__
    calls = [line.split() for block in examples for line in block.splitlines() if line]
    # salt-call [--local] FUNCTION ... or, from a master, salt TARGET FUNCTION ...
    called = [call[2] if call[:2] == ["salt-call", "--local"] else call[1] if call[0] == "salt-call"
              else call[2] if call[0] == "salt" else None for call in calls]
    assert calls and all(f == f"{module.__virtualname__}.{name}" for f in called), calls
