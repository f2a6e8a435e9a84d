"""Read a pillar SLS file as Salt renders it (Jinja, then YAML) and map pillar paths to its lines.

The YAML rules follow Salt's loader where it differs from plain PyYAML, so that a file means here
what it means to Salt: a repeated key is an error (PyYAML silently keeps the last), timestamps stay
text, and ``010`` is ten, not octal. Outside Salt the Jinja context (grains, pillar, salt, opts)
is empty; a file that needs it reports the line that used it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import jinja2.sandbox
import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import PillarError, PillarIssue
from .messages import path_parts

DUPLICATE = "duplicate key"


class SaltLikeLoader(yaml.SafeLoader):
    """PyYAML's safe loader with Salt's differences (see module docstring)."""

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            first_seen: dict[str, Any] = {}
            for key_node, _ in node.value:
                if (
                    not isinstance(key_node, ScalarNode)
                    or key_node.tag == "tag:yaml.org,2002:merge"
                ):
                    continue
                if key_node.value in first_seen:
                    raise ConstructorError(
                        DUPLICATE,
                        first_seen[key_node.value],
                        f"duplicate key '{key_node.value}'",
                        key_node.start_mark,
                    )
                first_seen[key_node.value] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def construct_decimal_int(self, node: ScalarNode) -> int:
        text = self.construct_scalar(node).replace("_", "")
        if re.fullmatch(r"[-+]?0[0-9]+", text):
            return int(text, 10)
        return self.construct_yaml_int(node)


SaltLikeLoader.add_constructor("tag:yaml.org,2002:timestamp", SaltLikeLoader.construct_scalar)
SaltLikeLoader.add_constructor("tag:yaml.org,2002:int", SaltLikeLoader.construct_decimal_int)


@dataclass(frozen=True)
class PillarSource:
    """A rendered pillar file: its data and the YAML node tree that knows where each key is."""

    name: str
    data: Any
    root: Node | None
    # Rendered line index -> source line number, so that lines point into the file the admin edits.
    source_lines: tuple[int, ...] = ()

    def _source_line(self, rendered_index: int) -> int:
        if not self.source_lines:
            return rendered_index + 1
        return self.source_lines[min(rendered_index, len(self.source_lines) - 1)]

    def line_of(self, path: str) -> int | None:
        """The line of the deepest key of ``path`` (``bulkhead:domains:work``) in the file."""
        node, line = self.root, None
        for part in path_parts(path):
            if isinstance(node, MappingNode):
                match = next(
                    (
                        (k, v)
                        for k, v in node.value
                        if isinstance(k, ScalarNode) and k.value == part
                    ),
                    None,
                )
                if match is None:
                    break
                line, node = self._source_line(match[0].start_mark.line), match[1]
            elif isinstance(node, SequenceNode) and part.isdigit() and int(part) < len(node.value):
                node = node.value[int(part)]
                line = self._source_line(node.start_mark.line)
            else:
                break
        return line

    def locate(self, error: PillarError) -> PillarError:
        """The same issues, each prefixed with ``FILE:LINE`` (or ``FILE`` when no line is known)."""
        located = []
        for issue in error.issues:
            line = self.line_of(issue.path)
            located.append(replace(issue, where=f"{self.name}:{line}" if line else self.name))
        return PillarError(located)


def read_pillar_source(path: str | Path) -> PillarSource:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PillarError([PillarIssue("", f"cannot read the file: {exc}", name)]) from None
    return parse_pillar_text(text, name, Path(path).parent)


def parse_pillar_text(text: str, name: str, directory: Path = Path(".")) -> PillarSource:
    """Render ``text`` (named ``name`` in messages; Jinja includes resolve in ``directory``)."""
    rendered = render_jinja(text, directory, name)
    source_lines = align_lines(text, rendered)
    lines = PillarSource(name, None, None, source_lines)
    loader = None
    try:
        loader = SaltLikeLoader(rendered)  # the reader already rejects control characters here
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{lines._source_line(mark.line)}" if mark else name
        message = f"YAML error: {exc.problem or exc.context}"
        if exc.context == DUPLICATE and exc.context_mark:
            first = lines._source_line(exc.context_mark.line)
            message += f" (first at line {first}; Salt refuses repeated keys)"
        raise PillarError([PillarIssue("", message, where)]) from None
    except yaml.reader.ReaderError as exc:
        where = f"{name}:{lines._source_line(rendered.count(chr(10), 0, exc.position))}"
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise PillarError(
            [
                PillarIssue(
                    "", f"YAML error: control character U+{code:04X} is not allowed in YAML", where
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise PillarError([PillarIssue("", f"YAML error: {exc}", name)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return PillarSource(name, data, root, source_lines)


def align_lines(source: str, rendered: str) -> tuple[int, ...]:
    """For each rendered line, the source line it came from.

    Lines Jinja left alone align exactly; lines it produced (an expression, a loop body) map to
    the template lines that produced them, so an error points at what the admin has to edit.
    """
    src, out = source.splitlines(), rendered.splitlines()
    last = max(len(src) - 1, 0)
    mapping = [0] * (len(out) + 1)
    for _, i1, i2, j1, j2 in difflib.SequenceMatcher(None, src, out, autojunk=False).get_opcodes():
        for j in range(j1, j2):
            mapping[j] = min(i1 + (j - j1), max(i2 - 1, i1), last)
    mapping[len(out)] = last  # errors at the end of the stream
    return tuple(index + 1 for index in mapping)


# Salt renders SLS with StrictUndefined and without trim/lstrip of blocks; the sandbox keeps a
# file from reaching Python internals when it is only being checked.
_ENV_OPTIONS: dict[str, Any] = {"undefined": jinja2.StrictUndefined, "keep_trailing_newline": True}


def render_jinja(text: str, directory: Path, name: str) -> str:
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(directory)), **_ENV_OPTIONS
    )
    context = {
        "grains": {},
        "pillar": {},
        "salt": {},
        "opts": {},
        "saltenv": "base",
        "sls": Path(name).stem,
        "tpldir": ".",
    }
    try:
        return env.from_string(text).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise PillarError(
            [PillarIssue("", f"Jinja syntax error: {exc.message}", f"{name}:{exc.lineno}")]
        ) from None
    except Exception as exc:  # noqa: BLE001 - any failure while rendering is the file's problem
        line = _template_line(exc.__traceback__)
        where = f"{name}:{line}" if line else name
        note = (
            " (outside Salt, grains, pillar and salt functions are empty)"
            if isinstance(exc, jinja2.UndefinedError)
            else ""
        )
        raise PillarError([PillarIssue("", f"Jinja error: {exc}{note}", where)]) from None


def _template_line(tb: TracebackType | None) -> int | None:
    """The last template line in the traceback (Jinja rewrites frames to point into templates)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
