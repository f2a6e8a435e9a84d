"""``bulkhead:policy``: the RPC policy files bulkhead installs (qrexec policy v5 grammar).

Only the shape is checked here (names, text, size); the policy's syntax is checked by the state,
against the whole resulting directory, because rules in one file can include or shadow others.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictInt, StrictStr, WithJsonSchema

from .fields import PATH_RULE, AbsPath, Rule, fail, key

POLICY_FILE_PATTERN = r"^[0-9A-Za-z_.-]+\.policy$"
POLICY_FILE_RULE = "file names are letters, digits, '_', '.' and '-', ending in .policy"
POLICY_TEXT_RULE = "must be the file's text, or a list of its lines (each one line of text)"
MAX_POLICY_TEXT = 1024 * 1024  # far above any real policy; keeps a pillar typo from filling /etc


def _one_line_each(value: Any) -> Any:
    if isinstance(value, tuple):
        for number, line in enumerate(value):
            if "\n" in line or "\r" in line:
                raise fail(
                    f"line {number + 1} of the list contains a line break; {POLICY_TEXT_RULE}"
                )
    size = len(value) if isinstance(value, str) else sum(len(line) + 1 for line in value)
    if size > MAX_POLICY_TEXT:
        raise fail(f"is {size} characters, more than {MAX_POLICY_TEXT}")
    return value


PolicyText = Annotated[
    StrictStr | tuple[StrictStr, ...], AfterValidator(_one_line_each), Rule(POLICY_TEXT_RULE)
]


def _file_names(files: dict[str, Any]) -> dict[str, Any]:
    # Checked here rather than as a key type so that the message names the policy file rule.
    bad = [
        name
        for name in files
        if not re.fullmatch(POLICY_FILE_PATTERN, name) or name.startswith(".")
    ]
    if bad:
        raise fail(
            f"invalid policy file name {bad[0]!r}: {POLICY_FILE_RULE}, not starting with '.'"
        )
    return files


PolicyFiles = Annotated[
    dict[StrictStr, PolicyText],
    AfterValidator(_file_names),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": POLICY_FILE_PATTERN, "not": {"pattern": r"^\."}},
            "additionalProperties": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            },
        }
    ),
]


class PolicyConfig(BaseModel):
    """Where the RPC policy lives and the files bulkhead manages there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dir: AbsPath = key(
        "/etc/bulkhead/policy.d",
        doc="The policy directory the RPC broker reads.",
        rule=PATH_RULE,
    )
    files: PolicyFiles = key(
        {},
        doc=(
            "Policy files bulkhead writes into dir, by name: each the file's text or a list of its "
            "lines (qrexec policy v5). Files bulkhead wrote earlier that are no longer listed are "
            "removed; other files in dir are left alone and stay part of the policy."
        ),
        rule=f"must be a mapping of file name to text; {POLICY_FILE_RULE}",
    )

    ask: Literal["deny", "default-target", "user"] = key(
        "deny",
        doc=(
            "How the RPC broker settles a rule whose action is ask: deny (nobody is asked), "
            "default-target (the rule's default_target, or the caller's own target when it is a "
            "candidate; deny when there is none), or user: the call waits for the user, who "
            "answers on the host with `bulkhead ask list` and `bulkhead ask answer ID allow|deny` "
            "(choosing among the policy's candidates); no answer within ask_timeout denies."
        ),
        rule="must be deny, default-target or user",
    )
    ask_timeout: StrictInt = key(
        60, ge=1, le=3600,
        doc="With ask: user, seconds an ask waits for the user's answer before the call is denied.",
        rule="must be a whole number of seconds from 1 to 3600",
    )
    # Defaults repeated from rpc/call_limits.py: the model imports nothing from the broker.
    call_timeout: StrictInt = key(
        3600,
        ge=1,
        le=7 * 24 * 3600,
        doc=(
            "Seconds an RPC call may run. The broker then ends it: the caller's call exits with "
            "124 "
            "and the target's service is stopped, so a service that never exits cannot hold both "
            "domains. Long file copies need it above their duration."
        ),
        rule="must be a whole number of seconds from 1 to 604800 (a week)",
    )
    call_output_mib: StrictInt = key(
        1024,
        ge=0,
        le=1024 * 1024,
        doc=(
            "MiB a call's target may send back to its caller. Beyond it the broker ends the call: "
            "the "
            "caller gets the output up to the limit and exit 125, and the service is stopped."
        ),
        rule="must be a whole number of MiB from 0 to 1048576",
    )
    dispvm_limit: StrictInt = key(
        4,
        ge=0,
        le=100,
        doc=(
            "Disposables the broker may create on demand at once, for calls to @dispvm:X that find "
            "no "
            "halted pillar disposable of X. Each is a new domain (disp1, disp2, ...) with X's "
            "label, "
            "netvm, vcpus, memory and firewall, started fresh and deleted when its call ends. 0: "
            "only "
            "pillar disposables are used."
        ),
        rule="must be a whole number from 0 to 100",
    )

    def text_of(self, name: str) -> str:
        """The body of one file as written to disk (always ending with a newline)."""
        value = self.files[name]
        body = value if isinstance(value, str) else "\n".join(value)
        return body if body.endswith("\n") or not body else body + "\n"
