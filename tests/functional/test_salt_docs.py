"""What ``salt-call sys.state_doc`` and ``sys.doc`` show for bulkhead: each function's own
docstring with its example (their content is checked in tests/unit/test_salt_docs.py)."""

from __future__ import annotations

from saltext.bulkhead.states import bulkhead_domain

STATE_MODULES = ["bulkhead_boot", "bulkhead_domain", "bulkhead_firewall", "bulkhead_memory",
                 "bulkhead_network", "bulkhead_pillar", "bulkhead_policy", "bulkhead_pool",
                 "bulkhead_rpc"]


def test_state_doc_shows_every_state_function_with_its_example(loaders):
    docs = loaders.modules.sys.state_doc(*STATE_MODULES)
    functions = {key for key in docs if "." in key}
    assert {"bulkhead_domain.present", "bulkhead_domain.halted", "bulkhead_rpc.broker_stopped",
            "bulkhead_pool.present", "bulkhead_boot.installed"} <= functions
    assert len(functions) >= 14  # more as states are added (the unit test checks each)
    for key in functions:  # Salt strips the reST markup, the example itself stays
        assert f"\n          {key}:" in docs[key], key
    first_line = bulkhead_domain.halted.__doc__.splitlines()[0]
    assert docs["bulkhead_domain.halted"].startswith(first_line)
    assert "- timeout: 30" in docs["bulkhead_domain.halted"]
    assert "- sls: bulkhead.domains" in docs["bulkhead_firewall.applied"]


def test_sys_doc_shows_the_cli_examples(loaders):
    docs = loaders.modules.sys.doc("bulkhead_exclusive", "bulkhead_pillar", "bulkhead_policy")
    assert set(docs) == {"bulkhead_exclusive.run", "bulkhead_pillar.check",
                         "bulkhead_policy.check", "bulkhead_policy.evaluate"}
    for key, doc in docs.items():
        assert "CLI Example:" in doc and f"salt-call --local {key}" in doc, key
