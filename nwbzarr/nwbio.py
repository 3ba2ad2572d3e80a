"""pynwb's and hdmf-zarr's IO classes on nwbzarr: ``NWBHDF5IO`` and ``NWBZarrIO``.

Scripts written for pynwb port by changing their imports::

    with NWBHDF5IO("session.nwb", "w") as io:     # or NWBZarrIO("session.nwb.zarr", "w")
        io.write(nwbfile)
    with NWBHDF5IO("session.nwb", "r") as io:
        nwbfile = io.read()

Both classes are thin: reading and writing go through :func:`nwbzarr.model.io.read_tree`
and ``write_tree`` on a root opened by :func:`nwbzarr.open`; ``export`` is
:func:`nwbzarr.convert` (the stored tree copied, links kept or resolved) or, for an NWBFile
changed after it was read, a write of that NWBFile.

Modes, as pynwb's: ``"r"`` read; ``"r+"`` read and append (the file must exist); ``"a"``
read and append, or create; ``"w"`` create, replacing what exists; ``"w-"`` and ``"x"``
create, failing if the file exists. A file opened for reading is opened at once (a missing
file fails in the constructor); a new file is created by the first ``write`` or ``export``.

Containers read through one IO and added to an NWBFile written through another become links
to the file they were read from (pynwb's shallow copies); arrays of other files too, unless
``write(link_data=False)`` or the data is wrapped in ``H5DataIO(data, link_data=False)``.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any, ClassVar, Self

from nwbzarr.api import open as open_tree
from nwbzarr.errors import (
    DestinationExistsError,
    FormatError,
    NwbZarrError,
    UnsupportedFeatureError,
)
from nwbzarr.merge import MergeGroup
from nwbzarr.model.file import NWBFile
from nwbzarr.model.io import read_tree, write_tree
from nwbzarr.storage import (
    Location,
    exists,
    guess_format,
    guess_format_from_name,
    is_icechunk_dir,
    resolve,
)
from nwbzarr.tree import Group

MODES = ("r", "r+", "a", "w", "w-", "x")


class UnsupportedOperation(NwbZarrError, ValueError):
    """An operation that the IO's mode does not allow (hdmf's ``UnsupportedOperation``)."""


class Manager:
    """What pynwb's ``get_manager()`` returns: shared by the IOs of files that link to each
    other.

    nwbzarr needs no build manager: a container remembers the file it was read from, and
    writing it into another file links it whatever the manager. The manager keeps the IOs
    that share it, so that :meth:`close` closes them all (the files linked from a written
    file stay open until then, as a shared pynwb manager keeps them).
    """

    def __init__(self) -> None:
        self.ios: list[NWBIO] = []

    def register(self, io: NWBIO) -> None:
        if io not in self.ios:
            self.ios.append(io)

    def close(self) -> None:
        """Close every IO that uses this manager."""
        for io in list(self.ios):
            io.close()


def get_manager() -> Manager:
    """A manager to share between IOs (pynwb's ``get_manager``)."""
    return Manager()


class NWBIO:
    """The IO of one NWB file or store; :class:`NWBHDF5IO` and :class:`NWBZarrIO` set the
    format and pynwb's / hdmf-zarr's constructor arguments."""

    format: ClassVar[str] = ""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        mode: str = "r",
        manager: Manager | None = None,
        *,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"{type(self).__name__}: mode={mode!r}, expected one of {MODES}")
        if path is None:
            raise ValueError(f"{type(self).__name__}: path is required")
        self.source = os.fspath(path)
        self.mode = mode
        self.storage_options = storage_options
        self.location: Location = resolve(self.source, storage_options)
        self.manager = manager if manager is not None else Manager()
        self.manager.register(self)
        self._root: Group | None = None
        self._nwbfile: NWBFile | None = None
        self._written = False
        self._check_mode()

    def _check_mode(self) -> None:
        present = exists(self.location)
        if self.mode in ("w-", "x") and present:
            raise DestinationExistsError(
                f"{self.source}: already exists (mode={self.mode!r} creates a new file; "
                "use mode='w' to replace it or 'a' to add to it)"
            )
        if self.mode in ("r", "r+") and not present:
            raise FileNotFoundError(f"{self.source}: no such file or store (mode={self.mode!r})")
        if self.mode in ("r", "r+") or (self.mode == "a" and present):
            self._check_format()
            self._root = self._open("r+" if self.mode in ("r+", "a") else "r")

    def _check_format(self) -> None:
        if not self.location.is_local:
            return
        found = _tree_format(guess_format(self.location))
        if found != self.format:
            other = {"hdf5": "NWBHDF5IO", "zarr": "NWBZarrIO"}[found]
            raise FormatError(
                f"{self.source}: {'a Zarr store' if found == 'zarr' else 'an HDF5 file'}, "
                f"not {'an HDF5 file' if self.format == 'hdf5' else 'a Zarr store'}: "
                f"open it with {other}"
            )

    def _open(self, mode: str) -> Group:
        return open_tree(
            self.source,
            mode,
            format=self._storage_format(mode),
            storage_options=self.storage_options,
            overwrite=mode == "w",
        )

    def _storage_format(self, mode: str) -> str:
        """The format to open: an Icechunk repository holds a Zarr tree, so NWBZarrIO
        reads and writes one (an existing repository, or a new ``.icechunk`` name)."""
        if self.format != "zarr":
            return self.format
        loc = self.location
        if mode == "w":
            return "icechunk" if guess_format_from_name(loc.path) == "icechunk" else "zarr"
        return "icechunk" if loc.is_local and is_icechunk_dir(loc.path) else "zarr"

    # ----- pynwb's API
    @property
    def is_open(self) -> bool:
        return self._root is not None and not self._root.file.closed

    def read(self) -> NWBFile:
        """The NWBFile of this file (read once; arrays stay lazy, the file stays open)."""
        if self.mode in ("w", "w-", "x"):
            raise UnsupportedOperation(
                f"Cannot read from file {self.source} in mode {self.mode!r}. "
                "Please use mode 'r', 'r+', or 'a'."
            )
        if self._nwbfile is None:
            if self._root is None:
                raise UnsupportedOperation(
                    f"Cannot read data from file {self.source} in mode {self.mode!r}. "
                    "There are no values."
                )
            self._nwbfile = read_tree(self._root)
        return self._nwbfile

    def write(
        self,
        container: NWBFile,
        cache_spec: bool = True,
        link_data: bool = True,
        exhaust_dci: bool = True,
    ) -> None:
        """Write ``container`` (an NWBFile); in ``"a"`` / ``"r+"`` mode, add what is new.

        Parameters
        ----------
        container
            The file to write.
        cache_spec
            Accepted as pynwb's; the schema is cached whenever the model writes it.
        link_data
            Arrays of other files are linked (default) or copied (False).
        exhaust_dci
            Accepted as pynwb's: iterators given as data are always written in full by
            ``write`` (chunk by chunk, one after the other).
        """
        del cache_spec, exhaust_dci
        self._write(container, link_data)

    def _write(self, container: NWBFile, link_data: bool) -> None:
        if self.mode == "r":
            raise UnsupportedOperation(
                f"Cannot write to file {self.source} in mode 'r'. Please use mode 'r+', 'w', "
                "'w-', 'x', or 'a'"
            )
        if not isinstance(container, NWBFile):
            raise TypeError(
                f"{self.source}: write() takes an NWBFile, not {type(container).__name__}"
            )
        if self._root is not None:  # append to the stored file
            write_tree(container, MergeGroup(self._root), link_data=link_data)
            return
        if self._written:
            raise UnsupportedOperation(f"{self.source}: already written by this IO")
        self._root = self._open("w")
        self._written = True
        try:
            write_tree(container, self._root, link_data=link_data)
        except BaseException:
            self._root.file.abort()
            raise

    def export(
        self,
        src_io: NWBIO,
        nwbfile: NWBFile | None = None,
        write_args: dict[str, Any] | None = None,
        cache_spec: bool = True,
    ) -> None:
        """Write the file of ``src_io`` (or ``nwbfile``, read through it) into this new file.

        ``write_args={"link_data": False}`` makes one self-contained file: every link to
        another file is replaced by the data it names. Otherwise links to other files are
        kept, re-pointed so that they resolve from this file.
        """
        del cache_spec
        if self.mode != "w":
            raise UnsupportedOperation(
                f"Cannot export to file {self.source} in mode {self.mode!r}. Please use mode 'w'."
            )
        if self._written:
            raise UnsupportedOperation(f"{self.source}: already written by this IO")
        if not isinstance(src_io, NWBIO):
            raise TypeError(f"{self.source}: src_io must be an nwbzarr IO, not {src_io!r}")
        link_data = bool((write_args or {}).get("link_data", True))
        if nwbfile is not None and nwbfile is not src_io._nwbfile:
            raise ValueError(
                f"{self.source}: the NWBFile to export must have been read by src_io "
                f"({src_io.source})"
            )
        self._written = True
        if nwbfile is None:
            self._convert_from(src_io, link_data)
            return
        self._root = self._open("w")
        try:
            write_tree(nwbfile, self._root, link_data=link_data, copy_foreign=not link_data)
        except BaseException:
            self._root.file.abort()
            raise

    def _convert_from(self, src_io: NWBIO, link_data: bool) -> None:
        from nwbzarr.convert import convert

        convert(
            src_io.source,
            self.source,
            self._storage_format("w"),
            overwrite=True,
            links="keep" if link_data else "resolve",
            src_storage_options=src_io.storage_options,
            dst_storage_options=self.storage_options,
            progress=False,
        )

    def close(self) -> None:
        """Finish writing and close the file (and the files it linked to)."""
        root, self._root = self._root, None
        if root is not None:
            root.file.close()
        if self in self.manager.ios:
            self.manager.ios.remove(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and self._root is not None and self._written:
            root, self._root = self._root, None
            root.file.abort()  # a failed write leaves a file marked incomplete
            return
        self.close()

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return f"<{type(self).__name__} {self.source!r} mode={self.mode!r} ({state})>"

    @classmethod
    def can_read(cls, path: str | os.PathLike[str]) -> bool:
        """True if ``path`` is an NWB file of this IO's format that nwbzarr can open."""
        try:
            if _tree_format(guess_format(resolve(path))) != cls.format:
                return False
            with open_tree(path, "r") as root:
                return root.neurodata_type == "NWBFile"
        except (OSError, KeyError, ValueError):
            return False

    @classmethod
    def read_nwb(cls, path: str | os.PathLike[str]) -> NWBFile:
        """The NWBFile at ``path``; the file stays open while the NWBFile is used."""
        return cls(path, "r").read()


class NWBHDF5IO(NWBIO):
    """pynwb's ``NWBHDF5IO``: an NWB file in HDF5.

    Parameters
    ----------
    path
        The file (``x_%d.nwb`` for an HDF5 family), or a URL to read.
    mode
        ``"r"``, ``"r+"``, ``"a"``, ``"w"``, ``"w-"`` or ``"x"`` (see the module docs).
    load_namespaces
        Accepted as pynwb's: the schema cached in a file is always used to read it.
    manager
        A :class:`Manager` shared with other IOs (:func:`get_manager`).
    file
        An open ``h5py.File``: its file name is opened (the handle stays the caller's).
    comm
        MPI communicator: parallel HDF5 is not supported (an error if given).
    driver
        None, ``"ros3"`` or ``"fsspec"`` (remote reads, through fsspec / obstore) or
        ``"family"`` (the path names members with ``%d``).
    aws_region
        Region of an S3 URL.
    herd_path
        HERD external resources are not supported (an error if given).
    """

    format: ClassVar[str] = "hdf5"

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        mode: str = "r",
        load_namespaces: bool = True,
        manager: Manager | None = None,
        file: Any = None,
        comm: Any = None,
        driver: str | None = None,
        aws_region: str | None = None,
        herd_path: str | None = None,
    ) -> None:
        del load_namespaces
        where = os.fspath(path) if path is not None else getattr(file, "filename", None)
        if comm is not None:
            raise UnsupportedFeatureError(f"{where}: parallel HDF5 (comm=) is not supported")
        if herd_path is not None:
            raise UnsupportedFeatureError(f"{where}: HERD (herd_path=) is not supported")
        if driver not in (None, "ros3", "fsspec", "family", "sec2"):
            raise UnsupportedFeatureError(
                f"{where}: driver={driver!r} is not supported (None, 'ros3', 'fsspec', "
                "'family' or 'sec2')"
            )
        if file is not None:
            path = path if path is not None else file.filename
            mode = mode if mode != "r" or file.mode == "r" else "r+"
        options = {"client_kwargs": {"region_name": aws_region}} if aws_region else None
        super().__init__(path, mode, manager, storage_options=options)
        self.driver = driver
        self.aws_region = aws_region
        self.comm = comm

    def read(self, skip_version_check: bool = False) -> NWBFile:
        """The NWBFile of this file (pynwb's ``read``)."""
        del skip_version_check
        return super().read()

    def write(
        self,
        container: NWBFile,
        cache_spec: bool = True,
        link_data: bool = True,
        exhaust_dci: bool = True,
        herd: Any = None,
        expandable: tuple[str, ...] = ("VectorData", "ElementIdentifiers"),
    ) -> None:
        """Write ``container`` (pynwb's ``NWBHDF5IO.write``; see :meth:`NWBIO.write`).

        ``herd`` (HERD external resources) is not supported; table columns
        (``expandable``'s types) are always written extendable.
        """
        del cache_spec, exhaust_dci, expandable
        if herd is not None:
            raise UnsupportedFeatureError(f"{self.source}: HERD (herd=) is not supported")
        self._write(container, link_data)

    def close(self, close_links: bool = True) -> None:
        """Close the file; the files it links to are closed with it."""
        del close_links
        super().close()


class NWBZarrIO(NWBIO):
    """hdmf-zarr's ``NWBZarrIO``: an NWB file in a Zarr store.

    Parameters
    ----------
    path
        A directory, or a URL (``s3://``, ``https://``, ``memory://``).
    mode
        ``"r"``, ``"r+"``, ``"a"``, ``"w"``, ``"w-"`` or ``"x"``.
    manager
        A :class:`Manager` shared with other IOs (:func:`get_manager`).
    storage_options
        fsspec / obstore options for URLs.
    force_overwrite
        Accepted as hdmf-zarr's (an append never rewrites stored arrays).
    load_namespaces
        Accepted as hdmf-zarr's: the schema cached in a store is always used to read it.
    synchronizer, object_codec_class
        Accepted for scripts written for hdmf-zarr before 0.14: nwbzarr takes a lock for
        each writer of a local store, and writes text with Zarr's variable-length strings.
    """

    format: ClassVar[str] = "zarr"

    def __init__(
        self,
        path: str | os.PathLike[str],
        mode: str = "r",
        manager: Manager | None = None,
        storage_options: dict[str, Any] | None = None,
        force_overwrite: bool = False,
        load_namespaces: bool = True,
        *,
        synchronizer: Any = None,
        object_codec_class: Any = None,
    ) -> None:
        del load_namespaces, synchronizer, object_codec_class
        super().__init__(path, mode, manager, storage_options=storage_options)
        self.force_overwrite = force_overwrite

    def write(
        self,
        container: NWBFile,
        cache_spec: bool = True,
        link_data: bool = True,
        exhaust_dci: bool = True,
        number_of_jobs: int = 1,
        max_threads_per_process: int | None = None,
        multiprocessing_context: Any = None,
        consolidate_metadata: bool = True,
    ) -> None:
        """Write ``container`` (hdmf-zarr's ``NWBZarrIO.write``; see :meth:`NWBIO.write`).

        The parallel-write arguments are accepted as hdmf-zarr's; the metadata is always
        consolidated (one document to read on open).
        """
        del cache_spec, exhaust_dci, number_of_jobs, max_threads_per_process
        del multiprocessing_context, consolidate_metadata
        self._write(container, link_data)


def _tree_format(found: str) -> str:
    """The format of the tree a file holds: an Icechunk repository holds a Zarr tree."""
    return "zarr" if found == "icechunk" else found


__all__ = [
    "Manager",
    "NWBHDF5IO",
    "NWBIO",
    "NWBZarrIO",
    "UnsupportedOperation",
    "get_manager",
]
