"""A reconcile whose step fails reports as changes only what the completed steps made."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.reconcile import Work

KEYS = st.sampled_from(["state", "domain", "xml", "volumes", "networks"])


def _fail() -> None:
    raise OSError("refused")


# Each step: the (section, entry) changes recorded before it, in the order a reconcile records them.
steps_strategy = st.lists(st.lists(st.tuples(KEYS, st.integers(0, 3)), max_size=3),
                          min_size=1, max_size=6)


def _work(recorded: list[list[tuple[str, int]]], failing: int | None) -> Work:
    work = Work()
    for index, changes in enumerate(recorded):
        for section, entry in changes:
            work.section(section).setdefault(f"{section}-{entry}", f"by step {index}")
        work.step(f"step {index}", _fail if index == failing else (lambda: None))
    return work


@given(steps_strategy, st.data())
def test_a_failed_run_lists_only_the_changes_of_completed_steps(recorded, data):
    failing = data.draw(st.integers(0, len(recorded) - 1))
    planned = _work(recorded, None).finish(True, "x").changes
    outcome = _work(recorded, failing).finish(False, "x")
    assert outcome.result is False and f"failed to step {failing}" in outcome.comment
    made = {s: {e: v for e, v in entries.items() if int(v.split()[-1]) < failing}
            for s, entries in planned.items()}
    assert outcome.changes == {s: entries for s, entries in made.items() if entries}


@given(steps_strategy)
def test_test_mode_and_a_full_run_list_every_planned_change(recorded):
    planned = _work(recorded, None).finish(True, "x")
    done = _work(recorded, None).finish(False, "x")
    assert done.result is True and done.changes == planned.changes


def test_a_change_recorded_after_the_last_step_was_made_by_none():
    work = Work()
    work.changes["state"] = {"old": "shutoff", "new": "running"}
    work.step("ask", _fail)
    work.changes["late"] = {"old": 1, "new": 2}
    assert work.finish(False, "x").changes == {}
