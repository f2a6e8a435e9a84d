"""The tiny image's Python is python3.11 and the closure the probe found, nothing else: every guest
module must import with it alone, and the guest services must run. The probe once imported a fixed
list of modules: qubes.UpdatesProxy then died (exit 1) in the netvm for want of urllib.parse, and
its connection to the repository needed the idna codec (a str host) that no import shows."""

from __future__ import annotations

import importlib.resources
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from saltext.bulkhead.image import build
from saltext.bulkhead.image.python_closure import (
    GUEST_MODULES,
    PYTHON,
    STDLIB,
    guest_module_names,
    guest_python_files,
)

HOST = Path("/")  # a Debian host carries the python3.11 the image is built from


@pytest.fixture(scope="module")
def closure(tmp_path_factory) -> tuple[Path, Path]:
    """(a root holding only python3.11 and the closure, the guest modules' directory)."""
    if not (HOST / PYTHON).exists() or not (HOST / STDLIB / "os.py").exists():
        pytest.skip("needs a Debian host with python3.11")
    pyroot = tmp_path_factory.mktemp("pyroot")
    for rel, data in build.guest_package_sources().items():
        (pyroot / "saltext/bulkhead" / rel).parent.mkdir(parents=True, exist_ok=True)
        (pyroot / "saltext/bulkhead" / rel).write_bytes(data)
    root = tmp_path_factory.mktemp("guest")
    for rel in [PYTHON, *guest_python_files(HOST, pyroot)]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(HOST / rel, root / rel)
    (root / STDLIB / "lib-dynload").mkdir(exist_ok=True)  # Python's landmark, as in the image
    return root, pyroot


def guest_python(closure: tuple[Path, Path], code: str, stdin: bytes = b""):
    root, pyroot = closure
    # Python falls back to the host's full standard library when it misses its own: refuse that.
    prelude = (f"import sys\nassert sys.prefix == {str(root / 'usr')!r}, sys.prefix\n"
               f"sys.path.insert(0, {str(pyroot)!r})\n")
    return subprocess.run([str(root / PYTHON), "-I", "-S", "-c", prelude + code], input=stdin,
                          capture_output=True, env={"PATH": "/usr/bin:/bin"}, timeout=60,
                          check=False)


def test_the_closure_alone_imports_every_guest_module(closure):
    assert len(guest_module_names()) == len(GUEST_MODULES)
    code = "import importlib\n" + "".join(f"importlib.import_module({name!r})\n"
                                          for name in guest_module_names())
    out = guest_python(closure, code)
    assert out.returncode == 0, out.stderr.decode()


def test_the_closure_alone_runs_the_updates_proxy_service(closure):
    """The service program as the image installs it carries one request to a local server."""
    service = (importlib.resources.files(build.__package__) / "guest" / "qubes.UpdatesProxy")
    code = service.read_text().replace('sys.path.insert(0, "/usr/lib/bulkhead/python")\n', "")
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def answer() -> None:
            conn, _ = server.accept()
            with conn:
                while conn.recv(65536):
                    pass
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nrelease")

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        request = f"GET http://127.0.0.1:{port}/dists/InRelease HTTP/1.1\r\n\r\n".encode()
        out = guest_python(closure, code, request)
        if out.returncode == 0:
            thread.join(timeout=60)  # else nothing connected: the thread stays in accept
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.endswith(b"\r\n\r\nrelease"), out.stdout
