"""Random-access byte sources under the image readers, and the file-like objects
handed out for files found inside an image.

A *blob* is anything with ``size`` and ``read_at(offset, length)``: one raw file, a
series of split raw pieces (``.001``/``.002``…, ``.aa``/``.ab``…) read as one, or an
EWF handle (``ewf.py``).  :class:`TskImage` presents a blob to The Sleuth Kit
(pytsk3 ``Img_Info`` with ``TSK_IMG_TYPE_EXTERNAL``), so TSK never opens evidence
itself and every byte goes through here, read-only.

:class:`TskFileReader` is the ``Source.opener`` product for a file inside an image:
a read-only, seekable stream over ``pytsk3.File.read_random`` that never holds more
than one read in memory, so a multi-gigabyte capture on a seized disk is streamed.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Sequence
from typing import BinaryIO, Protocol

import pytsk3


class Blob(Protocol):
    """What the volume and file-system walker needs from an image."""

    size: int

    def read_at(self, offset: int, length: int) -> bytes: ...


class FileBlob:
    """One or more files read as one contiguous image (split raw when several)."""

    def __init__(
        self, paths: Sequence[str] = (), handle: BinaryIO | None = None
    ) -> None:
        self._paths = list(paths)
        self._handles: list[BinaryIO | None] = [None] * len(self._paths)
        if handle is not None:  # an already open stream (image inside a container)
            handle.seek(0, os.SEEK_END)
            self._sizes = [handle.tell()]
            self._handles = [handle]
            self._paths = ["<stream>"]
        else:
            self._sizes = [os.stat(p).st_size for p in self._paths]
        self._starts = []
        pos = 0
        for s in self._sizes:
            self._starts.append(pos)
            pos += s
        self.size = pos

    def _fh(self, i: int) -> BinaryIO:
        fh = self._handles[i]
        if fh is None:
            # read-only, and kept open while the image is in use
            fh = open(self._paths[i], "rb")  # noqa: SIM115
            self._handles[i] = fh
        return fh

    def read_at(self, offset: int, length: int) -> bytes:
        if offset < 0 or offset >= self.size or length <= 0:
            return b""
        out = bytearray()
        i = 0
        while i < len(self._starts) - 1 and self._starts[i + 1] <= offset:
            i += 1
        while length > 0 and i < len(self._sizes):
            local = offset - self._starts[i]
            take = min(length, self._sizes[i] - local)
            fh = self._fh(i)
            fh.seek(local)
            chunk = fh.read(take)
            out += chunk
            if len(chunk) < take:
                raise OSError(f"short read in {self._paths[i]} at {local}")
            offset += take
            length -= take
            i += 1
        return bytes(out)


_SPLIT_NUM = re.compile(r"^(?P<stem>.*\.)(?P<num>\d{3})$")
_SPLIT_ALPHA = re.compile(r"^(?P<stem>.*\.)(?P<num>[a-z]{2})$")


def split_raw_pieces(path: str) -> list[str]:
    """The pieces of a split raw image, starting with ``path`` (``x.001``, ``x.aa``).

    A path that is not the first piece of a numbered/lettered series gives ``[path]``.
    """
    m = _SPLIT_NUM.match(path)
    if m and m["num"] in ("001", "000"):
        width, start = 3, int(m["num"])
        names = (f"{m['stem']}{n:0{width}d}" for n in range(start, start + 100000))
    else:
        m = _SPLIT_ALPHA.match(path)
        if not m or m["num"] != "aa":
            return [path]
        names = (
            f"{m['stem']}{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(26 * 26)
        )
    pieces = []
    for name in names:
        if not os.path.isfile(name):
            break
        pieces.append(name)
    return pieces or [path]


class TskImage(pytsk3.Img_Info):
    """A blob as seen by The Sleuth Kit.

    A read that fails (a missing or cut EWF segment, a short split piece) is
    returned as zeros so that TSK carries on, and is noted in ``errors``
    (media offset, length, message) and passed to ``on_error``; callers compare
    ``len(errors)`` before and after reading a file to know it was not read whole.
    """

    def __init__(
        self, blob: Blob, on_error: Callable[[int, int, str], None] | None = None
    ) -> None:
        self._blob = blob
        self._on_error = on_error
        self.errors: list[tuple[int, int, str]] = []
        self._reported: set[int] = set()
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def close(self) -> None:  # TSK calls this; the blob's handles stay usable
        pass

    def read(self, offset: int, size: int) -> bytes:
        try:
            return self._blob.read_at(offset, size)
        except Exception as exc:  # noqa: BLE001 - TSK must see bytes, not a crash
            self.errors.append((offset, size, str(exc)))
            if self._on_error is not None and offset not in self._reported:
                self._reported.add(offset)
                self._on_error(offset, size, str(exc))
            return bytes(max(0, min(size, self._blob.size - offset)))

    def get_size(self) -> int:
        return self._blob.size


class TskFileReader(io.RawIOBase):
    """Read-only stream over one file inside a file system (``pytsk3.File``)."""

    def __init__(self, tsk_file: pytsk3.File, size: int) -> None:
        self._f = tsk_file
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(b), self._size - self._pos)
        if n <= 0:
            return 0
        try:
            data = self._f.read_random(self._pos, n)
        except (
            OSError,
            RuntimeError,
        ) as exc:  # pytsk3 raises IOError (an OSError) on bad runs
            raise OSError(f"unreadable file data at {self._pos}: {exc}") from exc
        if not data:
            return 0
        b[: len(data)] = data
        self._pos += len(data)
        return len(data)


def open_tsk_file(tsk_file: pytsk3.File, size: int) -> BinaryIO:
    """A buffered read-only stream (1 MiB buffer) over a file in an image."""
    return io.BufferedReader(TskFileReader(tsk_file, size), buffer_size=1 << 20)  # type: ignore[return-value]


def disk_path(src: SourceLike) -> str | None:
    """The on-disk path behind a Source, when it is a plain file (needed to find the
    other segments of a split or EWF image); None for a member of a container."""
    meta = getattr(src, "meta", None) or {}
    cand = meta.get("abs_path")
    if isinstance(cand, str) and os.path.isfile(cand):
        return cand
    if getattr(src, "member", None):
        return None
    try:
        with src.open() as fh:
            cand = getattr(fh, "name", None)
    except OSError:
        return None
    if isinstance(cand, str) and os.path.isfile(cand):
        return cand
    return None


class SourceLike(Protocol):
    member: str | None
    meta: dict | None

    def open(self) -> BinaryIO: ...
