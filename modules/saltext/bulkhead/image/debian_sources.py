"""The apt sources of a Debian template: the host's Debian sources, for the template's suite.

The host already says where it trusts Debian packages from (mirror, keyring). The template uses
the same entries with the host's release name replaced by the template's suite (``bookworm``,
``bookworm-updates`` and ``bookworm-security`` become ``trixie``, ``trixie-updates``...), written
in deb822 form; the builder uses them, and they stay inside the template for its updates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

APT_DIR = Path("/etc/apt")
SUITE_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
POCKETS = ("", "-updates", "-security")


class SourcesError(RuntimeError):
    """The host has no Debian sources the template could use."""


@dataclass(frozen=True)
class Source:
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None


def _deb822(text: str) -> list[dict[str, str]]:
    stanzas, current, key = [], {}, None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                stanzas.append(current)
            current, key = {}, None
        elif line[0] in " \t" and key is not None:
            current[key] += " " + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            current[key] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


def _one_line(text: str) -> list[dict[str, str]]:
    stanzas = []
    for line in text.splitlines():
        match = re.match(r"^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s+(.*)$", line.strip())
        if match:
            options = dict(o.split("=", 1) for o in (match[1] or "").split() if "=" in o)
            stanza = {"types": "deb", "uris": match[2], "suites": match[3], "components": match[4]}
            if "signed-by" in options:
                stanza["signed-by"] = options["signed-by"]
            stanzas.append(stanza)
    return stanzas


def host_stanzas(apt_dir: Path = APT_DIR) -> list[dict[str, str]]:
    found = []
    one_line = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in one_line:
        if path.is_file():
            found += _one_line(path.read_text())
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        found += _deb822(path.read_text())
    return found


def _release(suite: str) -> tuple[str, str] | None:
    for pocket in reversed(POCKETS):  # the longest suffix first: "-security" before ""
        if pocket and suite.endswith(pocket):
            return suite[: -len(pocket)], pocket
    return (suite, "") if SUITE_RE.match(suite) else None


def template_sources(suite: str, host_release: str, apt_dir: Path = APT_DIR) -> list[Source]:
    """The host's Debian entries for ``host_release`` and its pockets, moved to ``suite``."""
    if not SUITE_RE.match(suite):
        raise SourcesError(f"suite {suite!r}: use lower-case letters, digits and '-'")
    sources = []
    for stanza in host_stanzas(apt_dir):
        if "deb" not in stanza.get("types", "").split() or stanza.get("enabled", "yes") == "no":
            continue
        suites = []
        for entry in stanza.get("suites", "").split():
            release = _release(entry)
            if release is not None and release[0] == host_release:
                suites.append(suite + release[1])
        if suites:
            for uri in stanza.get("uris", "").split():
                sources.append(
                    Source(
                        uri,
                        tuple(suites),
                        tuple(stanza.get("components", "main").split()),
                        stanza.get("signed-by"),
                    )
                )
    if not sources:
        raise SourcesError(f"the host's apt sources under {apt_dir} have no Debian entry for "
                           f"{host_release!r} to take the template's sources from")
    return sources


def render(sources: list[Source]) -> str:
    """deb822 text, one stanza per source."""
    parts = []
    for src in sources:
        lines = ["Types: deb", f"URIs: {src.uri}", f"Suites: {' '.join(src.suites)}",
                 f"Components: {' '.join(src.components)}"]
        if src.signed_by:
            lines.append(f"Signed-By: {src.signed_by}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def host_release(os_release: Path = Path("/etc/os-release")) -> str:
    for line in os_release.read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip().strip('"')
    raise SourcesError(f"{os_release} names no VERSION_CODENAME")
