"""The probe that finds the guest Python closure (python_closure.py), run by the extracted
python3.11 as ``python3.11 -I -S -c SOURCE PYROOT MODULES_JSON BLOCKED...``.

It imports every guest module (GUEST_MODULES, named in MODULES_JSON), then does what they do at
run time that imports more of the standard library: a file copy round trip, a subprocess, and
one updates-proxy request to a local server (a ``str`` host makes ``socket`` load the idna codec).
It prints the file of every module loaded. What it imports itself is in the guest anyway.
"""

import sys


def block(names: list[str]) -> None:
    for name in names:
        sys.modules[name] = None  # makes "import name" raise ImportError


def file_copy_round_trip() -> None:
    import os
    import tempfile

    from saltext.bulkhead.filecopy import receive, send

    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(tmp + "/src")
        os.mkdir(tmp + "/in")
        with open(tmp + "/src/f", "wb") as f:
            f.write(b"x" * 100000)
        receive(send([tmp + "/src"]), tmp + "/in", "probe")


def updates_proxy_round_trip() -> None:
    import io
    import socket
    import threading

    from saltext.bulkhead.guest.updates_proxy import serve

    def answer(server: socket.socket) -> None:
        conn, _ = server.accept()
        with conn:
            while conn.recv(65536):  # the proxy closes its side after the one request
                pass
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with socket.create_server(("127.0.0.1", 0)) as server:  # as the forwarder listens
        port = server.getsockname()[1]
        thread = threading.Thread(target=answer, args=(server,))
        thread.start()
        request = f"GET http://127.0.0.1:{port}/dists/InRelease HTTP/1.1\r\n\r\n".encode()
        out = io.BytesIO()
        rc = serve(io.BytesIO(request), out)
        thread.join()
    if rc != 0 or not out.getvalue().endswith(b"\r\n\r\nok"):
        raise SystemExit(f"probe: the updates proxy did not carry a request: {out.getvalue()!r}")


def main() -> None:
    block(sys.argv[3:])
    import importlib
    import json
    import subprocess

    sys.path.insert(0, sys.argv[1])
    for module in json.loads(sys.argv[2]):
        importlib.import_module(module)
    file_copy_round_trip()
    updates_proxy_round_trip()
    subprocess.run(["/bin/true"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, check=True)
    loaded = {getattr(m, "__file__", None) for m in list(sys.modules.values()) if m}
    print(json.dumps(sorted(name for name in loaded if name)))


if __name__ == "__main__":
    main()
