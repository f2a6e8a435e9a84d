"""What this machine's Salt minion configuration (/etc/salt/minion) says of its id, read as Salt
reads it: the main file, then the files its ``default_include`` (``minion.d/*.conf``) matches,
then those of its ``include``, each later one overriding; a numeric ``id`` is its text.

Salt's own reader (``salt.config.minion_config``) costs ~100 ms and every validation of a pillar
asks this, so the few keys that decide the id are read here with YAML's C loader, and kept while
no file read changes (one ``stat`` each). A configuration Salt could not read is an error, not
a guess: the id decides which workstation keeps the plain paths.
"""

from __future__ import annotations

import glob
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MINION_CONFIG = Path("/etc/salt/minion")
ENV_VAR = "SALT_MINION_CONFIG"  # Salt's: used in place of the default path when it names a file
DEFAULT_INCLUDE = "minion.d/*.conf"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MinionConfigError(ValueError):
    """The configuration exists and Salt could not read it either."""


@dataclass(frozen=True)
class MinionIdConfig:
    id: str | None = None  # ``id`` as configured
    root_dir: str = "/"  # where Salt keeps etc/salt/minion_id
    id_function: bool = False  # the id comes from an execution module: only Salt can tell it
    caching: bool = True  # ``minion_id_caching``: a stored minion_id is used
    lowercase: bool = False  # ``minion_id_lowercase``: a generated id is lowercased


# path -> (what says its files are unchanged, what they said); one entry per path asked
_kept: dict[Path, tuple[tuple[Any, ...], MinionIdConfig]] = {}
_lock = threading.Lock()


def minion_id_config(path: Path = MINION_CONFIG) -> MinionIdConfig:
    """The id-deciding keys of the minion configuration ``path`` (nothing when it is absent)."""
    if path == MINION_CONFIG and os.path.isfile(os.environ.get(ENV_VAR, "")):
        path = Path(os.environ[ENV_VAR])
    with _lock:
        held = _kept.get(path)
    if held is not None and _signature(*held[0][:2]) == held[0]:
        return held[1]
    opts, files, patterns = _merged(path)
    found = MinionIdConfig(
        id=str(opts["id"]) if "id" in opts else None,  # Salt's: `id:` alone is "None"
        root_dir=str(opts.get("root_dir") or "/"),
        id_function=bool(opts.get("id_function")),
        caching=bool(opts.get("minion_id_caching", True)),
        lowercase=bool(opts.get("minion_id_lowercase", False)),
    )
    with _lock:
        _kept[path] = (_signature(files, patterns), found)
    return found


def _merged(path: Path) -> tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]:
    """Salt's merge of ``path`` and its includes; the files read and the include patterns."""
    files, patterns = [str(path)], []
    opts = _read(path)
    # both read from the main file before either is merged, as Salt does
    specs = (opts.get("default_include", DEFAULT_INCLUDE), opts.get("include"))
    for spec in specs:
        opts.update(_included(spec, path, files, patterns))
    return opts, tuple(files), tuple(patterns)


def _included(spec: Any, relative_to: Path, files: list[str],
              patterns: list[str]) -> dict[str, Any]:
    """What the files an include option matches say, in Salt's order (sorted per pattern; a
    file's own includes after it); each file and pattern is added to ``files`` and
    ``patterns``."""
    merged: dict[str, Any] = {}
    for pattern in [spec] if isinstance(spec, str) else [str(s) for s in spec or ()]:
        pattern = os.path.expanduser(pattern)
        if not os.path.isabs(pattern):
            pattern = os.path.join(os.path.dirname(relative_to), pattern)
        patterns.append(pattern)
        for file in sorted(glob.glob(pattern)):
            if file in files:
                continue  # included again (a cycle would never end in Salt either)
            files.append(file)
            opts = _read(Path(file))
            opts.update(_included(opts.get("include"), Path(file), files, patterns))
            merged.update(opts)
    return merged


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return {}
    except OSError as exc:
        raise MinionConfigError(f"{path}: {exc.strerror or exc}") from None
    try:
        opts = yaml.load(text, Loader=_Loader) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise MinionConfigError(f"{where}: not YAML Salt can read: {problem}") from None
    if not isinstance(opts, dict):
        raise MinionConfigError(f"{path}: a minion configuration is a mapping, not "
                                f"{type(opts).__name__}")
    return opts


def _signature(files: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[Any, ...]:
    """What says nothing read changed: the files, the patterns, each file's identity and times,
    and what each pattern matches now (a file added to minion.d/ is read)."""
    stats: list[Any] = [files, patterns]
    for file in files:
        try:
            st = os.stat(file)
            stats.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        except OSError:
            stats.append(None)
    stats += [tuple(sorted(glob.glob(pattern))) for pattern in patterns]
    return tuple(stats)
