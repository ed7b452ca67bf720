"""What every parser shares: the source it reads, the context it reports to, and
the frozen specs that ``parsers/registry.py`` lists.

A parser is a plain module ending in one spec, for example::

    PARSER = FileParser(name="grandstream_pvalue", version=1, kind="gateway_config",
                        sniff=sniff, parse=parse)

``sniff(head, name)`` looks at the first bytes (at most ``SNIFF_BYTES``) and the file
name and never raises.  ``parse(src, ctx)`` yields records; it may raise
:class:`WrongFormat` only before it has yielded anything.  Problems inside the file
become ``ctx.warn(code, message, line=…/offset=…)`` and parsing continues.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from forensics.model.core import ParseWarning, Provenance, Record

SNIFF_BYTES = 65536  # how much of a file sniffers see
MAX_TEXT_BYTES = 64 * 1024 * 1024  # text parsers never read more than this at once
MAX_CONSECUTIVE_ERRORS = 1000  # plaso-style cap before a file is given up


class WrongFormat(Exception):
    """Not this parser's format: the pipeline tries the next parser."""


class Malformed(Exception):
    """A record inside a recognised file is damaged; becomes a located warning."""

    def __init__(self, code: str, message: str, **where: Any) -> None:
        super().__init__(message)
        self.code = code
        self.where = where


@dataclass(slots=True)
class Source:
    """A readable piece of evidence: a file on disk or a member of a container.

    Opened read-only; never written.  ``member`` is the path inside the container
    chain (``None`` for a plain file), and goes into every provenance.
    """

    name: str  # display name / path of the file or member
    size: int
    opener: Callable[[], BinaryIO]
    member: str | None = None
    meta: dict[str, Any] | None = None  # e.g. file-system facts for a member of an image
    _head: bytes | None = None

    @classmethod
    def from_path(cls, path: str, name: str | None = None) -> "Source":
        size = os.stat(path).st_size
        return cls(name=name or path, size=size, opener=lambda: open(path, "rb"))

    @classmethod
    def from_bytes(cls, data: bytes, name: str, member: str | None = None) -> "Source":
        return cls(name=name, size=len(data), opener=lambda: io.BytesIO(data), member=member)

    def open(self) -> BinaryIO:
        return self.opener()

    @property
    def head(self) -> bytes:
        if self._head is None:
            with self.open() as fh:
                self._head = fh.read(SNIFF_BYTES)
        return self._head

    def read_all(self, limit: int = MAX_TEXT_BYTES) -> bytes:
        """The whole content, up to ``limit`` bytes (callers warn if cut)."""
        with self.open() as fh:
            return fh.read(limit)


@dataclass(slots=True)
class ParseContext:
    """Collects warnings and builds provenance for one (evidence, parser) pair."""

    evidence_id: str
    evidence_sha256: str = ""
    evidence_path: str = ""
    member: str | None = None
    parser: str = ""
    keys: tuple[str, ...] = ()  # examiner-supplied decryption keys (case.yaml `keys:`)
    options: dict[str, Any] = field(default_factory=dict)
    warnings: list[ParseWarning] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    max_warnings_per_code: int = 200
    _per_code: dict[str, int] = field(default_factory=dict)
    _consecutive: int = 0

    def prov(self, **where: Any) -> Provenance:
        return Provenance(
            evidence_id=self.evidence_id,
            evidence_sha256=self.evidence_sha256,
            evidence_path=self.evidence_path,
            member=where.pop("member", self.member),
            parser=self.parser,
            **where,
        )

    def warn(
        self,
        code: str,
        message: str,
        *,
        frame: int | None = None,
        line: int | None = None,
        offset: int | None = None,
    ) -> None:
        """Record a located warning.  Past ``max_warnings_per_code`` of one code the
        rest are counted (``stats['suppressed-<code>']``) and summarised once."""
        n = self._per_code.get(code, 0) + 1
        self._per_code[code] = n
        if n > self.max_warnings_per_code:
            key = f"suppressed-{code}"
            self.stats[key] = self.stats.get(key, 0) + 1
            return
        self.warnings.append(
            ParseWarning(
                code=code,
                message=message,
                evidence=self.evidence_id,
                member=self.member,
                frame=frame,
                line=line,
                offset=offset,
            )
        )

    def count(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n

    def failed(self) -> bool:
        """Note one more consecutive failure; True once the cap is reached."""
        self._consecutive += 1
        return self._consecutive >= MAX_CONSECUTIVE_ERRORS

    def succeeded(self) -> None:
        self._consecutive = 0

    def finish(self) -> None:
        """Summarise suppressed warnings (call once when the parser is done)."""
        for code, n in sorted(self._per_code.items()):
            extra = n - self.max_warnings_per_code
            if extra > 0:
                self.warnings.append(
                    ParseWarning(
                        code="warnings-suppressed",
                        message=f"{extra} further '{code}' warnings not listed one by one",
                        evidence=self.evidence_id,
                        member=self.member,
                    )
                )
        self._per_code.clear()


SniffFn = Callable[[bytes, str], bool]
ParseFn = Callable[[Source, ParseContext], Iterable[Record]]


@dataclass(frozen=True, slots=True)
class FileParser:
    """A parser for a whole file: gateway configs, host artifacts, lists."""

    name: str  # equals the module name
    version: int
    kind: str  # evidence kind it yields: gateway_config | host_artifact | ...
    sniff: SniffFn
    parse: ParseFn
    priority: int = 50  # lower sniffs first; generic fallbacks use 90+


@dataclass(frozen=True, slots=True)
class Container:
    """An archive or compressed wrapper whose members are evidence in their own right."""

    name: str
    version: int
    sniff: SniffFn
    members: Callable[[Source, ParseContext], Iterator[Source]]


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode evidence text: BOM-marked UTF-16/UTF-8, else UTF-8 → GB18030 → latin-1.

    Returns (text, encoding name).  latin-1 always succeeds, so nothing is lost.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), "utf-16"
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


# --- network protocol detectors -------------------------------------------------

CATEGORIES = ("tunnel", "remote", "signalling", "management", "proxy", "other")


@dataclass(frozen=True, slots=True)
class Detection:
    """What a detector concluded about one flow."""

    protocol: str  # "wireguard", "anydesk", "tr069", ... (the findings' tool/protocol)
    category: str  # one of CATEGORIES: tunnel -> tunnels[], remote -> remote_sessions[]
    confidence: str  # "high" | "medium" | "low"
    method: str  # "payload" | "sni" | "alpn" | "certificate" | "dns" | "port"
    remote_id: str | None = None  # tool id of the far side (AnyDesk id, RDP user, ...)
    detail: tuple[tuple[str, str], ...] = ()  # further facts, e.g. (("sni", "x"),)


# (payload, sport, dport, from_initiator) -> Detection | None; never raises.
SniffPayloadFn = Callable[[bytes, int, int, bool], "Detection | None"]


@dataclass(frozen=True, slots=True)
class Protocol:
    """A network detector: payload signature first, port hint second.

    ``sniff`` is called on the first few payload-bearing packets of every flow whose
    transport is in ``transports`` (UDP/TCP payload) or, for ``ip_protos``, on the IP
    payload of that protocol.  ``ports`` only orders the detectors and feeds
    ``port_detection`` (a weak, port-only guess used when no payload matched).
    ``names`` are DNS suffixes; a TLS SNI or a DNS answer under them attributes the
    flow with method ``sni`` / ``dns`` at ``name_confidence``.
    """

    name: str
    version: int
    category: str
    transports: frozenset[str] = frozenset()  # {"udp", "tcp"}
    ports: frozenset[int] = frozenset()  # well-known ports (hint only); cite source
    ip_protos: frozenset[int] = frozenset()  # IP protocol numbers (47 GRE, 50 ESP ...)
    sniff: SniffPayloadFn | None = None
    names: tuple[str, ...] = ()  # DNS/SNI suffixes, lower case, e.g. ("anydesk.com",)
    name_confidence: str = "medium"
    port_confidence: str | None = None  # None: never claim a flow by port alone
