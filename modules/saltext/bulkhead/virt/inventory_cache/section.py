"""The definitions of one kind of libvirt object (domains, networks, pools) read in one run."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

from lxml import etree

from ..connection import Connection
from ..readers import Batch
from .reads import Parsed, Read, read_parsed

PREFETCH_MIN = 4  # fewer objects are read one by one: handing them to threads would cost more

# handles by name, what was read, whether the handles are every object's (else only the read
# ones': read from the settled objects, nothing listed)
Listing = tuple[dict[str, Any], dict[str, Parsed | None], bool]


class Section:
    """name -> XML for one kind of object, with the object it came from. ``list_first``: the
    first question lists them all (a run's states will ask about most of them), and each one's
    XML is read when first asked (or all at once by ``all``); otherwise objects are read one by
    one as asked (one reconcile call asks about a few). Names forgotten since are read again
    alone. ``parse``: definitions read ahead are parsed by the reader thread that read them, and
    ``parsed`` hands out their trees (read only)."""

    def __init__(self, list_all: Callable[[Any], list[Any]], flags: int,
                 read_one: Callable[[Any, str], Read | None], list_first: bool,
                 parse: bool = False):
        self._list_all = list_all
        self._flags = flags
        self._read_one = read_one
        self._list_first = list_first
        self._parse = parse
        self._handles: dict[str, Any] | None = None  # every object, once listed, by name
        self._xml: dict[str, str] = {}  # the XML of those read so far
        self._trees: dict[str, tuple[str, etree._Element]] = {}  # name -> (XML, its tree)
        self._pending: dict[str, Future[Parsed | None]] = {}  # reads prefetched, not collected
        self._ahead: Future[Listing] | None = None  # read_ahead's listing
        self._single: dict[str, Read | None] = {}  # objects read one by one before any listing
        self._early: dict[str, Read | None] = {}  # read ahead from settled objects, not listed
        self._stale: set[str] = set()
        self.version = 0  # changes whenever what ``all`` returns may have changed

    def _collect_ahead(self) -> None:
        """Take read_ahead's listing and reads, once: a listing of every object is installed,
        reads made without one are kept for ``read``."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return
        try:
            handles, reads, every = ahead.result()
        except BaseException:
            self._pending = {}  # the listing's reads, cancelled: listed again when next asked
            raise
        if every:
            self._install(handles, reads)
            return
        for name, read in reads.items():
            self._early[name] = None if read is None else (read[0], handles[name])
            if read is not None and read[1] is not None:
                self._trees[name] = (read[0], read[1])

    def _install(self, handles: dict[str, Any], reads: dict[str, Parsed | None]) -> None:
        self._handles, self._xml, self._trees = handles, {}, {}
        self._stale, self._single, self._early = set(), {}, {}
        # Reads the listing queued (prefetch ahead): those of objects it did not find are gone.
        self._pending = {name: read for name, read in self._pending.items() if name in handles}
        for name, read in reads.items():
            self._keep(name, read)
        self.version += 1

    def _listing(self, conn: Connection) -> dict[str, Any]:
        if self._handles is None:
            self._collect_ahead()
        if self._handles is None:
            # name(): the binding answers it from the object, no call reaches libvirtd
            self._install({obj.name(): obj for obj in self._list_all(conn)}, {})
        assert self._handles is not None
        for name in sorted(self._stale):
            self._refresh(conn, name)
        return self._handles

    def current_version(self, conn: Connection) -> int:
        """``version`` once what this run changed is read again (lists on first use)."""
        self._listing(conn)
        return self.version

    def _keep(self, name: str, read: Parsed | None) -> None:
        """Hold what was read of listed object ``name``; one removed meanwhile is dropped."""
        assert self._handles is not None
        if read is None:
            del self._handles[name]
            return
        self._xml[name] = read[0]
        if read[1] is not None:
            self._trees[name] = (read[0], read[1])

    def _fill(self, name: str) -> None:
        """Read the XML of listed object ``name`` (or collect its prefetched read); one removed
        meanwhile is dropped."""
        assert self._handles is not None
        pending = self._pending.pop(name, None)
        if pending is not None:
            read = pending.result()  # a libvirt error of the read is raised here, in the caller
        else:
            read = read_parsed(self._handles[name], self._flags, parse=False)
        self._keep(name, read)
        if read is None:
            self.version += 1

    def parsed(self, name: str, xml: str) -> etree._Element:
        """``xml`` (object ``name``'s definition) parsed: the tree read ahead with it when it is
        that very definition, else parsed here (a parse error raised here) and kept for the next
        question. READ ONLY: every question about that definition gets the same tree."""
        held = self._trees.get(name)
        if held is None or held[0] != xml:
            held = self._trees[name] = (xml, etree.fromstring(xml.encode()))
        return held[1]

    def prefetch(self, conn: Connection, names: Iterable[str], batch: Batch | None = None) -> None:
        """Start reading (and parsing) the definitions of the listed ``names`` not read yet, a
        few calls in flight at once, in ``batch`` (started by the caller) or in a batch of their
        own, and return: each is collected when first asked. One connection carries concurrent
        calls, and each waits on libvirtd far more than it costs here (a no-op reads every
        domain of the pillar). Nothing listed yet and a ``batch``: the listing is made in it too
        (``_list_ahead``), the caller's thread asks libvirt nothing."""
        if batch is not None and self._handles is None and self._ahead is None \
                and self._list_first:
            self._list_ahead(batch, conn, names)
            return
        handles = self._listing(conn)
        todo = [n for n in names if n in handles and n not in self._xml and n not in self._pending]
        if len(todo) < PREFETCH_MIN:
            return
        reads = Batch() if batch is None else batch
        for name in todo:
            self._pending[name] = reads.add(read_parsed, handles[name], self._flags, self._parse)
        if batch is None:
            reads.start()

    def _list_ahead(self, batch: Batch, conn: Connection, names: Iterable[str]) -> None:
        """Add to ``batch`` listing every object, which then queues the reads of those of
        ``names`` it found first in the batch. Their futures are made here: ``forget`` sees
        them while the listing is on its way (one not found is cancelled)."""
        wanted: dict[str, Future[Parsed | None]] = {name: Future() for name in names}
        self._pending.update(wanted)

        def listing() -> Listing:
            try:
                handles = {obj.name(): obj for obj in self._list_all(conn)}
            except BaseException:
                for future in wanted.values():  # no read: the error is raised where collected
                    future.cancel()
                raise
            batch.add_next([(future, functools.partial(read_parsed, handles[name], self._flags,
                                                       self._parse))
                            for name, future in wanted.items() if name in handles])
            for name, future in wanted.items():
                if name not in handles:
                    future.cancel()
            return handles, {}, True

        self._ahead = batch.add(listing)

    def read_ahead(self, batch: Batch, conn: Connection, names: Iterable[str] | None,
                   settled: Future[dict[str, Any]] | None = None) -> None:
        """Add to ``batch`` listing them and reading (and parsing) the definitions of ``names``
        (None: of every one), to be collected by the first question. ``settled``: the listing of
        those active and started at boot, added to ``batch`` before (so on its way when this
        starts); when it has every one of ``names``, they are read from its objects and nothing
        else is listed (a no-op's networks all are settled): the first question about any other
        object lists them all."""
        if self._handles is not None or self._ahead is not None or not self._list_first:
            return
        wanted = None if names is None else set(names)

        def listing() -> Listing:
            found = {} if settled is None or wanted is None else settled.result()
            if wanted is not None and wanted <= found.keys():
                return ({name: found[name] for name in wanted},
                        {name: read_parsed(found[name], self._flags, self._parse)
                         for name in sorted(wanted)}, False)
            handles = {obj.name(): obj for obj in self._list_all(conn)}
            return handles, {name: read_parsed(obj, self._flags, self._parse)
                             for name, obj in handles.items()
                             if wanted is None or name in wanted}, True

        self._ahead = batch.add(listing)

    def all(self, conn: Connection) -> dict[str, str]:
        if len(self._xml) == len(self._listing(conn)):  # every listed one read (each domain asks)
            return self._xml
        self.prefetch(conn, list(self._listing(conn)))
        for name in [n for n in self._listing(conn) if n not in self._xml]:
            self._fill(name)
        return self._xml

    def read(self, conn: Connection, name: str) -> Read | None:
        """(XML, object) of ``name``; None when it is not defined."""
        if self._handles is None and not self._list_first:
            if name not in self._single:
                self._single[name] = self._read_one(conn, name)
            return self._single[name]
        if self._handles is None:
            self._collect_ahead()
            if name in self._early:
                return self._early[name]
        handles = self._listing(conn)
        if name in handles and name not in self._xml:
            self._fill(name)
        return (self._xml[name], handles[name]) if name in self._xml else None

    def get(self, conn: Connection, name: str) -> str | None:
        read = self.read(conn, name)
        return None if read is None else read[0]

    def _refresh(self, conn: Connection, name: str) -> None:
        assert self._handles is not None
        read = self._read_one(conn, name)
        if read is None:
            self._xml.pop(name, None)
            self._handles.pop(name, None)
        else:
            self._xml[name], self._handles[name] = read
        self._stale.discard(name)
        self.version += 1

    def forget(self, name: str | None = None) -> None:
        """Drop what was read of ``name`` (None: of all): read again when next asked. Reads
        prefetched that have not started yet are not made."""
        self._drop_ahead()
        if name is None:
            for pending in self._pending.values():
                pending.cancel()
            self._handles, self._xml, self._trees, self._single = None, {}, {}, {}
            self._pending, self._early = {}, {}
            return
        self._single.pop(name, None)
        self._early.pop(name, None)
        self._trees.pop(name, None)
        pending = self._pending.pop(name, None)  # read before this run changed it: read again
        if pending is not None:
            pending.cancel()
        if self._handles is not None:
            self._stale.add(name)

    def _drop_ahead(self) -> None:
        """Drop read_ahead's (or prefetch's) listing: it may have read before this run's change,
        so the objects are listed again when asked. Not started yet, it is not made, nor are the
        reads it would have queued."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return
        ahead.cancel()
        if self._handles is None:  # the reads pending are the listing's
            for pending in self._pending.values():
                pending.cancel()
            self._pending = {}
