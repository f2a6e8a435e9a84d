"""The reference engine as an oracle: its ``qrexec`` package is imported from a directory given
on the command line (never part of bulkhead). Its answers are turned into records."""

from __future__ import annotations

import importlib
import io
import logging
import pathlib
import sys


def load_parser(oracle_dir: str):
    """The reference's ``qrexec.policy.parser`` module from ``oracle_dir``."""
    if not (pathlib.Path(oracle_dir) / "qrexec" / "policy" / "parser.py").is_file():
        raise FileNotFoundError(f"{oracle_dir}: no qrexec/policy/parser.py")
    sys.path.insert(0, str(oracle_dir))
    try:
        return importlib.import_module("qrexec.policy.parser")
    finally:
        sys.path.remove(str(oracle_dir))


def decide_all(parser, policy_dir: pathlib.Path, system: dict, requests) -> list[dict] | str:
    """One record per request, or the load error's text when the reference refuses the policy."""
    logging.disable(logging.WARNING)  # it warns on every unknown target
    try:
        policy = parser.FilePolicy(policy_path=policy_dir)
        return [_decide(parser, policy, policy_dir, system, r) for r in requests]
    except parser.AccessDenied as exc:
        return str(exc)
    finally:
        logging.disable(logging.NOTSET)


def _where(rule, policy_dir: pathlib.Path) -> str:
    return f"{pathlib.PurePath(rule.filepath).relative_to(policy_dir)}:{rule.lineno}"


def _decide(parser, policy, policy_dir, system, request) -> dict:
    rule = None
    try:
        call = parser.Request(*request, system_info=system)
        rule = policy.find_matching_rule(call)
        found = rule.action.evaluate(call)
    except parser.AccessDenied as exc:
        record = {"decision": "deny", "notify": exc.notify}
    except (AssertionError, KeyError) as exc:  # the reference fails: qrexec denies the call
        record = {"decision": "error", "error": type(exc).__name__}
    else:
        record = {"notify": found.notify, "autostart": found.autostart, "user": found.user}
        if isinstance(found, parser.AllowResolution):
            record.update(decision="allow", target=str(found.target))
        else:
            record.update(decision="ask", targets=sorted(map(str, found.targets_for_ask)),
                          default_target=found.default_target and str(found.default_target))
    record["rule"] = _where(rule, policy_dir) if rule is not None else None
    return record


def accepts(parser, files: dict[str, str], main: str) -> str | None:
    """None when the reference parses ``main`` (with its includes), else its error."""

    class Loader(parser.AbstractFileLoader, parser.AbstractPolicy):
        def resolve_filepath(self, included_path, *, filepath, lineno):
            try:
                return io.StringIO(files[str(included_path)]), pathlib.PurePosixPath(included_path)
            except KeyError:
                raise parser.PolicySyntaxError(filepath, lineno, "no such file") from None

        def handle_include_dir(self, included_path, *, filepath, lineno):
            raise parser.PolicySyntaxError(filepath, lineno, "no directories here")

        def handle_compat40(self, *, filepath, lineno):
            pass

    try:
        Loader().load_policy_file(io.StringIO(files[main]), pathlib.PurePosixPath(main))
    except parser.AccessDenied as exc:
        return str(exc)
    return None
