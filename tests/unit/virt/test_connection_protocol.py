"""virt.Connection is the libvirt connection surface bulkhead uses, and virt's signatures use it.

Read from the source: every call made on a connection in virt is a member of the Protocol, every
member is a method of libvirt's connection taking those parameters, and no ``conn`` parameter in
virt is typed ``Any`` (or left untyped).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import libvirt

from saltext.bulkhead import virt
from saltext.bulkhead.virt.connection import Connection, connect
from saltext.bulkhead.virt.counting import counting
from saltext.bulkhead.virt.tracked import tracked

VIRT = Path(virt.__file__).parent
MEMBERS = {name for name, value in vars(Connection).items()
           if callable(value) and not name.startswith("_")}
# Read only from a connection found to be virt.tracked's (tracked.cache_of), never from libvirt's.
PROXY_ONLY = {"inventory"}
# libvirt's own class where only a real connection will do (a proxy wraps one: counting).
TYPED = {"Connection", "libvirt.virConnect"}


def _trees() -> dict[str, ast.AST]:
    return {path.name: ast.parse(path.read_text()) for path in sorted(VIRT.glob("*.py"))}


def test_every_call_on_a_connection_in_virt_is_a_member():
    used = {node.attr for tree in _trees().values() for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "conn"}
    assert "lookupByName" in used and "storagePoolLookupByName" in used
    assert used - PROXY_ONLY <= MEMBERS, sorted(used - PROXY_ONLY - MEMBERS)


def test_every_member_is_libvirts_with_its_parameters():
    for name in MEMBERS:
        ours = list(inspect.signature(getattr(Connection, name)).parameters)
        theirs = list(inspect.signature(getattr(libvirt.virConnect, name)).parameters)
        assert ours == theirs, (name, ours, theirs)


def test_no_connection_parameter_in_virt_is_any():
    untyped = [f"{file}:{fn.name}" for file, tree in _trees().items() for fn in ast.walk(tree)
               if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
               for arg in fn.args.args + fn.args.kwonlyargs if arg.arg == "conn"
               and (arg.annotation is None or ast.unparse(arg.annotation) not in TYPED)]
    assert not untyped, untyped


def test_libvirts_connection_and_the_proxies_are_connections(tmp_path):
    with connect("test:///default") as conn:
        proxy, _ = counting(conn)
        for candidate in (conn, proxy, tracked(conn), tracked(proxy)):
            assert isinstance(candidate, Connection), candidate
    assert not isinstance(object(), Connection)
