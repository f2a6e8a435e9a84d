"""The one style of every ``bulkhead`` command: ``-h`` beside ``--help``, and one error format
(``bulkhead: error: ...`` on stderr). Every typer app and command uses ``CONTEXT``; every
command reports an error it knows through ``fail``."""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperGroup, TyperOption

CONTEXT = {"help_option_names": ["-h", "--help"]}
USAGE_ERROR = 2  # as click's own usage errors: the command could not do what was asked


def error(message: str) -> None:
    """Print ``bulkhead: error: MESSAGE`` on stderr."""
    typer.echo(f"bulkhead: error: {message}", err=True)


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    """Print the error and end the command with ``code``."""
    error(message)
    raise typer.Exit(code)


def console() -> Console:
    """A rich console for a command's output: colour on a terminal; piped, one unwrapped line
    per row (rich would otherwise wrap at 80 columns)."""
    out = Console(highlight=False, soft_wrap=True)
    return out if out.is_terminal else Console(highlight=False, soft_wrap=True, width=100_000)


# typer's type names as placeholders, where an option names none of its own.
_TYPE_WORDS = {"str": "TEXT", "int": "N", "int range": "N", "float": "NUMBER",
               "float range": "NUMBER", "path": "PATH", "file": "FILE", "directory": "DIR"}


def _placeholder(param: Any) -> None:
    """Give ``param`` an UPPERCASE placeholder: an argument its name (and no separate type), an
    option taking a value its type's word; choices stay as they are typed ([a|b])."""
    if isinstance(param, TyperArgument):
        param.metavar = param.metavar or (param.name or "").upper()
        param.display_type_rich = lambda ctx: None  # the name is the placeholder
    elif isinstance(param, TyperOption) and not param.is_flag and not param.count \
            and param.metavar is None and not param.type_descriptor.is_choice:
        shown = param.display_type_rich(None) or ""  # a context is only read for choices
        bare = shown.strip("<>").removeprefix("list[").removesuffix("]").lower()
        param.metavar = _TYPE_WORDS.get(bare, bare.upper())


class StyledGroup(TyperGroup):
    """typer's group, its own and its commands' placeholders UPPERCASE (``_placeholder``)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for command in [self, *getattr(self, "commands", {}).values()]:
            for param in command.params:
                _placeholder(param)


def command_group(help: str) -> typer.Typer:  # noqa: A002 - typer's own name for it
    """A ``bulkhead`` command group in the one style: plain click help (typer's rich help shows
    flags as ``<bool>``), ``-h`` beside ``--help``, UPPERCASE placeholders."""
    return typer.Typer(cls=StyledGroup, no_args_is_help=True, add_completion=False,
                       context_settings=CONTEXT, rich_markup_mode=None, help=help)
