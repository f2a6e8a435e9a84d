"""A signed apt repository made at test time: a throwaway GPG key, one small package built with
dpkg-deb, Packages and an InRelease signed by the key (the indices written here, as
apt-ftparchive would: it is not installed on this host), served over HTTP on 127.0.0.1."""

from __future__ import annotations

import functools
import hashlib
import http.server
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SUITE = "test"
PACKAGE = "bulkhead-hello"


@dataclass
class Repo:
    root: Path  # what is served
    key: Path  # the public key apt trusts (signed-by)
    gnupg: Path
    url: str = ""

    def deb(self, version: str) -> Path:
        return self.root / "pool" / f"{PACKAGE}_{version}_all.deb"


def _gpg(gnupg: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["gpg", "--homedir", str(gnupg), "--batch", "--quiet", *args],
                          input=data, capture_output=True, check=True).stdout


def make_repo(base: Path) -> Repo:
    gnupg = base / "gnupg"
    gnupg.mkdir(mode=0o700, parents=True)
    _gpg(gnupg, "--passphrase", "", "--quick-gen-key", "bulkhead test repository", "ed25519",
         "sign", "never")
    key = base / "test-repo.gpg"
    key.write_bytes(_gpg(gnupg, "--export"))
    root = base / "repo"
    (root / "pool").mkdir(parents=True)
    return Repo(root, key, gnupg)


def stop_agent(repo: Repo) -> None:
    """End the gpg-agent that signing started for the throwaway key: it outlives the test
    (a daemon of its own), one more per test run."""
    subprocess.run(["gpgconf", "--homedir", str(repo.gnupg), "--kill", "gpg-agent"],
                   capture_output=True, check=True)


def add_package(repo: Repo, version: str) -> Path:
    """``PACKAGE`` at ``version`` (a file saying its version), then the indices signed again."""
    tree = repo.root.parent / f"build-{version}"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: all\nMaintainer: test <t@t>\n"
        "Description: a package of the updates proxy test\n")
    (tree / "usr/share" / PACKAGE).mkdir(parents=True)
    (tree / "usr/share" / PACKAGE / "version").write_text(version + "\n")
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(tree),
                    str(repo.deb(version))], capture_output=True, check=True)
    sign_indices(repo)
    return repo.deb(version)


def sign_indices(repo: Repo) -> None:
    stanzas = []
    for deb in sorted((repo.root / "pool").glob("*.deb")):
        control = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True,
                                 check=True).stdout.rstrip("\n")
        data = deb.read_bytes()
        stanzas.append(f"{control}\nFilename: pool/{deb.name}\nSize: {len(data)}\n"
                       f"SHA256: {hashlib.sha256(data).hexdigest()}\n")
    packages = "\n".join(stanzas).encode()
    index = repo.root / "dists" / SUITE / "main" / "binary-all"
    index.mkdir(parents=True, exist_ok=True)
    (index / "Packages").write_bytes(packages)
    date = time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime(time.time() - 3600))
    release = (f"Origin: bulkhead-test\nSuite: {SUITE}\nCodename: {SUITE}\n"
               f"Date: {date}\n"
               "Architectures: all amd64\nComponents: main\n"
               f"SHA256:\n {hashlib.sha256(packages).hexdigest()} {len(packages)}"
               " main/binary-all/Packages\n")
    (repo.root / "dists" / SUITE / "InRelease").write_bytes(
        _gpg(repo.gnupg, "--clearsign", "--digest-algo", "SHA256", data=release.encode()))


def serve(repo: Repo) -> http.server.ThreadingHTTPServer:
    """The repository on 127.0.0.1 (the outside world); ``repo.url`` set. Close it when done."""
    handler = functools.partial(_Quiet, directory=str(repo.root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    repo.url = f"http://127.0.0.1:{server.server_address[1]}/"
    return server


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass
