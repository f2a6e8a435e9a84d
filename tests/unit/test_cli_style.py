"""Every `bulkhead` command's help, walked through CliRunner, follows the one CLI style:
`-h` as well as `--help`, placeholders in UPPERCASE, no `<bool>` flags, and `--pillar` always
a pillar SLS file, one option wherever the pillar is read."""

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


def test_the_commands_reading_the_pillar_share_its_options():
    """verify, tcb, ls, show and firewall read the pillar one way (verify/options.py): their
    --pillar, --uri and --salt-config are the same options, worded alike."""
    def described(param):
        return tuple(param.opts), param.metavar, param.help

    shared = ("--pillar", "--uri", "--salt-config")
    found = {path: {p.opts[0]: described(p) for p in command.params if p.opts[0] in shared}
             for path, command in commands()
             if any("--pillar" in getattr(p, "opts", ()) for p in command.params)}
    assert set(found) == {("verify",), ("tcb",), ("ls",), ("show",), ("firewall",)}
    assert all(set(options) == set(shared) for options in found.values()), found
    assert len({tuple(sorted(options.items())) for options in found.values()}) == 1, found


def test_the_commands_reading_the_daemons_pillar_share_pillar_json():
    """The commands that run without Salt read the pillar the formula writes for the daemons
    through one --pillar-json (model/pillar_json.py): same option, wording and default."""
    found = {path: (tuple(p.opts), p.metavar, p.help, str(p.default))
             for path, command in commands() for p in command.params
             if "--pillar-json" in getattr(p, "opts", ())}
    assert {("boot",), ("exclusive",), ("run",), ("rpc", "broker"), ("policy", "eval"),
            ("template", "update")} <= set(found), sorted(found)
    assert len(set(found.values())) == 1, found


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"bulkhead \S+\n", result.output)
