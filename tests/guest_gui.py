"""The guest's bulkhead-gui program, loaded from the package data the image installs, so tests
run its copy loop on the host."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from importlib import resources


def guest_gui_program():
    path = resources.files("saltext.bulkhead.image") / "guest" / "bulkhead-gui"
    loader = importlib.machinery.SourceFileLoader("bulkhead_gui", str(path))
    spec = importlib.util.spec_from_loader("bulkhead_gui", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module
