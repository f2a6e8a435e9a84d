"""bulkhead_pillar through the real Salt loaders: a bad pillar fails with path: message lines."""


def test_valid_pillar_passes(loaders, set_pillar):
    set_pillar(
        {"host": {"workstation": "test-pillar"},
         "domains": {"tpl": {"class": "template", "image": {"kind": "disk", "root": "/x.qcow2"}}}}
    )
    ret = loaders.states.bulkhead_pillar.valid(name="bulkhead")
    assert ret.result is True
    assert ret.changes == {}


def test_invalid_pillar_lists_every_problem(loaders, set_pillar):
    set_pillar({"host": {"workstation": "test-pillar"},
                "domains": {"Work<": {"class": "app"}, "vault": {"class": "app", "netvm": False}}})
    ret = loaders.states.bulkhead_pillar.valid(name="bulkhead")
    assert ret.result is False
    lines = ret.comment.splitlines()[1:]
    assert any(line.startswith("bulkhead:domains:") and "Work<" in line for line in lines)
    assert any(line.startswith("bulkhead:domains:vault:netvm:") for line in lines)
    assert ret.changes == {}


def test_execution_module_reports_errors(loaders, set_pillar):
    set_pillar({"host": {"workstation": "test-pillar"},
                "domains": {"vault": {"class": "app", "memory": {"initial": "1e3"}}}})
    out = loaders.modules.bulkhead_pillar.check()
    assert out["valid"] is False
    assert any(e.startswith("bulkhead:domains:vault:memory:initial:") for e in out["errors"])
