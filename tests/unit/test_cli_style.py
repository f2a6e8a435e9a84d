"""Every `bulkhead` command's help, walked through CliRunner, follows the one CLI style:
`-h` as well as `--help`, placeholders in UPPERCASE, no `<bool>` flags, and `--pillar` always
a pillar SLS file."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from saltext.bulkhead.cli import app

ROOT = typer.main.get_command(app)


def commands(group: object = ROOT, path: tuple[str, ...] = ()):
    # typer >= 0.29 carries its own click: no `click` import here (a fresh install has none)
    yield path, group
    # typer's groups are not click.Group subclasses: any command with sub-commands is one.
    for name, command in sorted((getattr(group, "commands", None) or {}).items()):
        yield from commands(command, (*path, name))


def option_lines(text: str) -> list[str]:
    """The lines naming an option or argument: their placeholders, without the help text."""
    out, listing = [], False
    for line in text.splitlines():
        if line in ("Arguments:", "Options:"):
            listing = True
        elif listing and line.startswith("  ") and (line.strip()[:1].isalpha()
                                                    or line.strip().startswith("-")):
            out.append(line.strip().split("  ")[0])
    return out


def test_every_command_has_h_and_uppercase_placeholders():
    runner = CliRunner()
    assert len(list(commands())) > 20  # every group and command is walked
    for path, _command in commands():
        short, long = (runner.invoke(app, [*path, flag]) for flag in ("-h", "--help"))
        assert short.exit_code == 0, (path, short.output)
        assert short.output == long.output, path
        # Placeholders (<TYPE>, {ARGUMENT}, [ARGUMENT]) are UPPERCASE, flags have none.
        usage, options = long.output.split("\n\n", 1)[0], option_lines(long.output)
        found = re.findall(r"[<{]([^>}]*)[>}]", usage + "\n" + "\n".join(options))
        found += re.findall(r"\[([A-Za-z_]+)\]", usage)
        assert all(p == p.upper() for p in found), (path, found)


def test_pillar_is_always_a_pillar_file():
    for path, command in commands():
        for param in command.params:
            if "--pillar" in getattr(param, "opts", ()):
                assert param.metavar == "FILE", path
                assert "SLS" in (param.help or ""), (path, param.help)


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"bulkhead \S+\n", result.output)
