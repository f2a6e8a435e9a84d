"""Reading a policy directory into an ordered list of rules.

The order is the order of evaluation: the directory's ``*.policy`` files in C-locale (byte) order
of their names, each read top to bottom, an ``!include*`` directive standing for the rules of
the file(s) it names at the place it appears.

All problems are collected (each with file and line) and raised together; a directory that has
any problem yields no rules at all, so a half-parsed policy is never used.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PolicyIssue, PolicySyntaxError
from .rules import Rule, check_service, parse_rule

POLICY_SUFFIX = ".policy"
FILE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
INCLUDE_PATH = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
MAX_INCLUDE_DEPTH = 16
MAX_FILE_BYTES = 16 * 1024 * 1024
SEPARATORS = re.compile(r"[ \t]+")


@dataclass
class _Scope:
    """Where lines are being read: the 5-column form, or 3 columns under one service."""

    service: str | None = None
    argument: str | None = None


@dataclass
class _Reader:
    root: Path | None  # None: text without a directory, where includes cannot resolve
    rules: list[Rule] = field(default_factory=list)
    issues: list[PolicyIssue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    stack: list[str] = field(default_factory=list)

    def issue(self, file: str, line: int, message: str) -> None:
        self.issues.append(PolicyIssue(file, line, message))

    # Files ---------------------------------------------------------------------------------

    def read_dir(self, directory: Path, shown: str, scope: _Scope, at: tuple[str, int] | None) -> None:
        try:
            entries = sorted(os.listdir(directory), key=os.fsencode)
        except OSError as exc:
            where = at if at else (shown, 0)
            self.issue(*where, f"cannot read policy directory {shown}: {exc.strerror}")
            return
        for name in entries:
            if name.startswith(".") or not name.endswith(POLICY_SUFFIX):
                continue  # editor backups, hidden and unrelated files are not policy
            path = directory / name
            if not FILE_NAME.fullmatch(name):
                # Fail closed: a file meant as policy (it ends in .policy) that we would skip
                # could be the one holding the deny rules.
                self.issue(f"{shown}/{name}", 0, "invalid policy file name (allowed: A-Z a-z 0-9 _ . -)")
                continue
            if not path.is_file():
                self.issue(f"{shown}/{name}", 0, "not a regular file")
                continue
            self.read_file(path, f"{shown}/{name}", scope)

    def read_file(self, path: Path, shown: str, scope: _Scope, at: tuple[str, int] | None = None) -> None:
        where = at if at else (shown, 0)
        real = os.path.realpath(path)
        if real in self.stack:
            self.issue(*where, f"include loop: {shown} is already being read")
            return
        if len(self.stack) >= MAX_INCLUDE_DEPTH:
            self.issue(*where, f"includes nested deeper than {MAX_INCLUDE_DEPTH}")
            return
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            self.issue(*where, f"cannot read {shown}: {exc.strerror}")
            return
        if len(data) > MAX_FILE_BYTES:
            self.issue(*where, f"{shown} is larger than {MAX_FILE_BYTES} bytes")
            return
        self.files.append(shown)
        self.stack.append(real)
        try:
            for number, raw in enumerate(data.split(b"\n"), start=1):
                self.read_line(raw, shown, number, scope)
        finally:
            self.stack.pop()

    # Lines ---------------------------------------------------------------------------------

    def read_line(self, raw: bytes, file: str, number: int, scope: _Scope) -> None:
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            self.issue(file, number, "non-ASCII bytes (policy files are ASCII)")
            return
        text = text.strip(" \t\r")
        if not text or text.startswith("#"):
            return
        fields = SEPARATORS.split(text)
        try:
            if text.startswith("!"):
                self.directive(fields, file, number, scope)
            elif scope.service is None:
                if len(fields) < 5:
                    raise ValueError("a rule needs SERVICE ARGUMENT SOURCE TARGET ACTION [PARAMS]")
                self.rules.append(parse_rule(fields[0], fields[1], fields[2:], file, number, text))
            else:
                if len(fields) < 3:
                    raise ValueError("a rule in an !include-service file needs SOURCE TARGET ACTION [PARAMS]")
                assert scope.argument is not None
                self.rules.append(parse_rule(scope.service, scope.argument, fields, file, number, text))
        except ValueError as exc:
            self.issue(file, number, str(exc))

    def directive(self, fields: list[str], file: str, number: int, scope: _Scope) -> None:
        name, args = fields[0], fields[1:]
        if name == "!include" and len(args) == 1:
            path, shown = self.include_path(args[0])
            if not path.is_file():
                raise ValueError(f"!include: no such file {shown}")
            self.read_file(path, shown, scope, (file, number))
        elif name == "!include-dir" and len(args) == 1:
            path, shown = self.include_path(args[0])
            if not path.is_dir():
                raise ValueError(f"!include-dir: no such directory {shown}")
            self.read_dir(path, shown, scope, (file, number))
        elif name == "!include-service" and len(args) == 3:
            if scope.service is not None:
                raise ValueError("!include-service inside a file that is itself under !include-service")
            check_service(args[0], args[1])
            path, shown = self.include_path(args[2])
            if not path.is_file():
                raise ValueError(f"!include-service: no such file {shown}")
            self.read_file(path, shown, _Scope(args[0], args[1]), (file, number))
        elif name in ("!include", "!include-dir", "!include-service"):
            raise ValueError(f"wrong number of arguments to {name}")
        else:
            raise ValueError(f"unknown directive {name!r}")

    def include_path(self, text: str) -> tuple[Path, str]:
        # Includes stay inside the policy directory: no absolute paths, no "..".
        if self.root is None:
            raise ValueError("includes need a policy directory")
        if not INCLUDE_PATH.fullmatch(text) or any(p in (".", "..") for p in text.split("/")):
            raise ValueError(f"invalid include path {text!r} (relative to the policy directory, no '..')")
        return self.root / text, f"{self.root}/{text}"


@dataclass(frozen=True)
class LoadedRules:
    rules: tuple[Rule, ...]
    files: tuple[str, ...]


def read_policy_dir(directory: str | os.PathLike[str]) -> LoadedRules:
    """Read every rule of a policy directory, or raise PolicySyntaxError listing every problem."""
    root = Path(directory)
    reader = _Reader(root)
    reader.read_dir(root, str(root), _Scope(), None)
    if reader.issues:
        raise PolicySyntaxError(reader.issues)
    return LoadedRules(tuple(reader.rules), tuple(reader.files))


def read_policy_text(text: str, file: str = "<policy>") -> LoadedRules:
    """Parse one file's text (5-column form, no includes) — for tests and generated policies."""
    reader = _Reader(None)
    for number, raw in enumerate(text.encode("utf-8", "surrogatepass").split(b"\n"), start=1):
        reader.read_line(raw, file, number, _Scope())
    if reader.issues:
        raise PolicySyntaxError(reader.issues)
    return LoadedRules(tuple(reader.rules), (file,))
