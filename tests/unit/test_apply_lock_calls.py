"""``@mutating`` finds the pillar and ``test`` by position once, at decoration: every way of
passing them still takes the lock in a real call and never in test mode; a function it cannot
read is refused when decorated, never run unlocked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from saltext.bulkhead.apply_lock import LockTimeout, hold, lock_path, mutating
from tests.unit.test_apply_lock import MODULES


class _Pillar:
    def __init__(self, locks: Path) -> None:
        self.formula = type("Formula", (), {
            "lock_timeout": 0, "paths": type("Paths", (), {"locks": str(locks)})()})()


@mutating
def _positional_test(conn: object, pillar: _Pillar, name: str, test: bool = False) -> str:
    return name


@mutating
def _keyword_test(conn: object, pillar: _Pillar, *, test: bool = False) -> str:
    return "done"


@mutating
def _no_test(conn: object, pillar: _Pillar, **options: object) -> str:
    return "done"


@pytest.fixture
def held(tmp_path: Path):
    """A pillar whose lock another process holds (this one's entries then time out at once)."""
    path = lock_path(tmp_path / "locks")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from saltext.bulkhead.apply_lock import hold\n"
         "with hold(Path(sys.argv[1]), 30): print('held', flush=True); sys.stdin.read()",
         str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={"PYTHONPATH": str(MODULES)})
    assert holder.stdout.readline() == "held\n"
    yield _Pillar(path.parent)
    holder.stdin.close()
    holder.wait()


@pytest.mark.parametrize("call", [
    lambda p: _positional_test(None, p, "work"),
    lambda p: _positional_test(None, p, "work", False),
    lambda p: _positional_test(None, p, "work", test=0),
    lambda p: _positional_test(None, pillar=p, name="work"),
    lambda p: _positional_test(conn=None, pillar=p, name="work", test=False),
    lambda p: _keyword_test(None, p),
    lambda p: _keyword_test(None, pillar=p, test=False),
    lambda p: _no_test(None, p),
    lambda p: _no_test(None, p, test=True),  # not its test mode: it has none, so it locks
], ids=["positional", "test-positional", "test-falsy", "pillar-keyword", "all-keywords",
        "keyword-only", "keyword-only-false", "no-test", "no-test-but-options"])
def test_a_real_call_waits_for_the_lock_however_its_arguments_come(held, call) -> None:
    with pytest.raises(LockTimeout, match="another bulkhead run holds"):
        call(held)


@pytest.mark.parametrize("call", [
    lambda p: _positional_test(None, p, "work", True),
    lambda p: _positional_test(None, p, "work", test=True),
    lambda p: _positional_test(conn=None, pillar=p, name="work", test=1),
    lambda p: _keyword_test(None, p, test=True),
], ids=["test-positional", "test-keyword", "all-keywords", "keyword-only"])
def test_test_mode_never_waits_however_it_is_passed(held, call) -> None:
    assert call(held) in ("work", "done")


def test_a_call_missing_the_pillar_fails_as_python_would_before_anything_runs() -> None:
    with pytest.raises(TypeError, match="pillar"):
        _positional_test(None)


def test_a_function_without_a_pillar_second_is_refused_when_decorated() -> None:
    with pytest.raises(TypeError, match="second parameter must be the pillar"):
        mutating(lambda conn, *, pillar: None)
    with pytest.raises(TypeError, match="second parameter must be the pillar"):
        mutating(lambda conn: None)


def test_an_inner_entry_shares_the_outer_lease_and_releases_nothing(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "locks")
    pillar = _Pillar(path.parent)
    with hold(path, 0) as outer:
        assert _positional_test(None, pillar, "work") == "work"  # re-entered, no wait
        with hold(path, 0) as inner:
            assert inner == outer
        other = subprocess.run(  # still held: another process cannot take it
            [sys.executable, "-c", "import sys; from pathlib import Path; "
             "from saltext.bulkhead.apply_lock import hold\n"
             "with hold(Path(sys.argv[1]), 0): pass", str(path)],
            env={"PYTHONPATH": str(MODULES)}, capture_output=True, text=True)
        assert other.returncode != 0 and "LockTimeout" in other.stderr
