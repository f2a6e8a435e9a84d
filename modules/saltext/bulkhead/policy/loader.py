"""Reading policy files into an ordered list of rules.

The order is the order of evaluation: the top directory's ``*.policy`` files in byte order of
their names, each read top to bottom, an ``!include*`` directive standing for the rules of the
file(s) it names at the place it appears. A file pulled in by ``!include-service`` holds 3-column
rules (the Qubes 4.0 syntax is accepted there) and may ``!include`` more of the same.

All problems are collected (each with file and line) and raised together; a policy that has
any problem yields no rules at all, so a half-parsed policy is never used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .errors import PolicyIssue, PolicySyntaxError
from .rules import Rule, check_service, old_syntax, parse_line, parse_service_line
from .sources import DirectorySource, FileError, MemorySource

POLICY_SUFFIX = ".policy"
FILE_NAME = re.compile(r"[a-z0-9_.-]+")  # the reference's file name characters
MAX_INCLUDE_DEPTH = 16
Source = DirectorySource | MemorySource
Scope = tuple[str, str] | None  # (service, argument) inside an !include-service file


@dataclass
class _Reader:
    source: Source
    rules: list[Rule] = field(default_factory=list)
    issues: list[PolicyIssue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    stack: list[str] = field(default_factory=list)

    def issue(self, where: tuple[str, int], message: str) -> None:
        self.issues.append(PolicyIssue(where[0], where[1], message))

    def read_dir(self, name: str, at: tuple[str, int] | None) -> None:
        try:
            entries = sorted(self.source.list_dir(name), key=lambda n: n.encode())
        except FileError as exc:
            self.issue(at or (self.source.shown(name), 0), str(exc))
            return
        for entry in entries:
            path = f"{name}/{entry}" if name else entry
            if entry.startswith(".") or not entry.endswith(POLICY_SUFFIX):
                continue  # editor backups, hidden and unrelated files are not policy
            if not self.source.is_file(path):
                continue
            if not FILE_NAME.fullmatch(entry):
                # Fail closed, as the reference does: a file meant as policy that we would skip
                # could be the one holding the deny rules.
                self.issue(
                    (self.source.shown(path), 0),
                    "invalid policy file name (allowed: a-z 0-9 _ . -)",
                )
                continue
            self.read_file(path, None, None)

    def read_file(self, name: str, scope: Scope, at: tuple[str, int] | None) -> None:
        shown, where = self.source.shown(name), at or (self.source.shown(name), 0)
        identity = self.source.identity(name)
        if identity in self.stack:
            self.issue(where, f"include loop: {shown} is already being read")
            return
        if len(self.stack) >= MAX_INCLUDE_DEPTH:
            self.issue(where, f"includes nested deeper than {MAX_INCLUDE_DEPTH}")
            return
        try:
            text = self.source.read(name).decode("utf-8")
        except (FileError, UnicodeDecodeError) as exc:
            self.issue(where, f"cannot read {shown}: {exc}")
            return
        self.files.append(shown)
        self.stack.append(identity)
        try:
            for number, line in enumerate(text.split("\n"), start=1):
                try:
                    self.read_line(line.strip(), shown, number, scope)
                except ValueError as exc:
                    self.issue((shown, number), str(exc))
        finally:
            self.stack.pop()

    def read_line(self, text: str, file: str, number: int, scope: Scope) -> None:
        if not text or text.startswith("#"):
            return
        if scope is not None:
            text = old_syntax(text)
            if text.startswith("!"):
                self.service_directive(text.split(), (file, number), scope)
            else:
                self.rules.append(parse_service_line(*scope, text, file, number))
        elif text.startswith("!"):
            self.directive(text.split(), (file, number))
        else:
            self.rules.append(parse_line(text, file, number))

    def directive(self, fields: list[str], at: tuple[str, int]) -> None:
        name, args = fields[0], fields[1:]
        counts = {"!include": 1, "!include-dir": 1, "!include-service": 3, "!compat-4.0": 0}
        if name not in counts:
            raise ValueError(f"unknown directive {name!r}")
        if len(args) != counts[name]:
            raise ValueError(f"wrong number of arguments to {name}")
        if name == "!include":
            self.read_file(self.include(args[0], "file"), None, at)
        elif name == "!include-dir":
            self.read_dir(self.include(args[0], "directory"), at)
        elif name == "!include-service":
            check_service(args[0], args[1])
            self.read_file(self.include(args[2], "file"), (args[0], args[1]), at)
        # !compat-4.0 reads Qubes 4.0 policy files; bulkhead has none, so it adds no rules.

    def service_directive(
        self, fields: list[str], at: tuple[str, int], scope: tuple[str, str]
    ) -> None:
        if fields[0] != "!include":
            raise ValueError(
                f"{fields[0]!r} is not allowed in an !include-service file (only !include)"
            )
        if len(fields) != 2:
            raise ValueError("wrong number of arguments to !include")
        self.read_file(self.include(fields[1], "file"), scope, at)

    def include(self, text: str, kind: str) -> str:
        # Includes stay inside the policy directory: no absolute paths, no "..".
        parts = PurePosixPath(text).parts
        if text.startswith("/") or any(p in (".", "..") for p in text.split("/")) or not parts:
            raise ValueError(
                f"invalid include path {text!r} (relative to the policy directory, no '..')"
            )
        name = "/".join(parts)
        exists = self.source.is_file(name) if kind == "file" else self.source.is_dir(name)
        if not exists:
            raise ValueError(f"no such {kind}: {self.source.shown(name)}")
        return name


@dataclass(frozen=True)
class LoadedRules:
    rules: tuple[Rule, ...]
    files: tuple[str, ...]


def _finish(reader: _Reader) -> LoadedRules:
    if reader.issues:
        raise PolicySyntaxError(reader.issues)
    return LoadedRules(tuple(reader.rules), tuple(reader.files))


def read_policy_dir(directory) -> LoadedRules:
    """Read every rule of a policy directory, or raise PolicySyntaxError listing every problem."""
    reader = _Reader(DirectorySource(directory))
    reader.read_dir("", None)
    return _finish(reader)


def read_policy_files(files: Mapping[str, str | bytes], main: str | None = None) -> LoadedRules:
    """Read in-memory files: ``main`` and what it includes, or (no main) every top-level
    ``*.policy`` name in order, as a directory would be read."""
    reader = _Reader(MemorySource(files))
    if main is None:
        reader.read_dir("", None)
    else:
        reader.read_file(main, None, None)
    return _finish(reader)


def read_policy_text(text: str, file: str = "<policy>") -> LoadedRules:
    """Parse one file's text (5-column form; includes cannot resolve)."""
    return read_policy_files({file: text}, main=file)
