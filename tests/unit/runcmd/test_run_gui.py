"""``bulkhead run --gui``: the guest starts the command under bulkhead-gui."""

from __future__ import annotations

from saltext.bulkhead.runcmd.gui import gui_command


def test_words_are_the_app_and_its_arguments():
    assert gui_command(["foot", "-T", "x y"]) == ["bulkhead-gui", "foot", "-T", "x y"]


def test_one_word_is_a_shell_line():
    assert gui_command(["foot -e top"]) == ["bulkhead-gui", "/bin/sh", "-c", "foot -e top"]
