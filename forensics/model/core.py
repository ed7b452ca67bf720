"""Core data model: provenance, warnings, secrets, endpoints and evidence.

Every record the parsers produce is a frozen dataclass that carries a
:class:`Provenance`, so any finding can be traced back to the byte, frame or line
of the evidence it came from.  Times are integers (nanoseconds since the Unix
epoch, UTC); floats are never used for time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a record came from, precise enough to check it by hand."""

    evidence_id: str  # "E1": the id given to the evidence file at intake
    evidence_sha256: str = ""  # hash of the evidence file as received
    evidence_path: str = ""  # relative to the case root, as the examiner supplied it
    member: str | None = None  # path inside an archive / image, "a.zip!cfg/x.xml"
    frame: int | None = None  # 1-based frame number, equals Wireshark's frame.number
    interface_id: int | None = None  # pcapng interface the frame arrived on
    offset: int | None = None  # byte offset of the record in the file (or member)
    length: int | None = None  # length of the record in bytes
    line: int | None = None  # 1-based line number, for text evidence
    parser: str = ""  # "sip@1": registry name @ parser version

    def source(self) -> dict[str, Any]:
        """The contract's `sources[]` entry for this provenance."""
        out: dict[str, Any] = {"evidence": self.evidence_id}
        if self.member:
            out["member"] = self.member
        if self.frame is not None:
            out["frame"] = self.frame
        if self.line is not None:
            out["line"] = self.line
        if self.offset is not None and self.frame is None and self.line is None:
            out["offset"] = self.offset
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ParseWarning:
    """A located problem met while reading evidence (never fatal)."""

    code: str  # stable kebab-case code, documented in docs/warning-codes.md
    message: str  # one human sentence, naming the value that was wrong
    evidence: str | None = None  # evidence id ("E1")
    member: str | None = None  # member path inside a container, if any
    frame: int | None = None  # 1-based frame number
    line: int | None = None  # 1-based line number
    offset: int | None = None  # byte offset

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "evidence": self.evidence,
            "frame": self.frame,
            "line": self.line,
            "offset": self.offset,
        }
        if self.member:
            out["member"] = self.member
        return out

    def sort_key(self) -> tuple:
        return (
            _ev_order(self.evidence),
            self.member or "",
            self.frame or 0,
            self.line or 0,
            self.offset or 0,
            self.code,
            self.message,
        )


def evidence_number(ev: str | None) -> int:
    """The number of an evidence id ("E12" -> 12), for sorting; 0 for anything else."""
    return int(ev[1:]) if ev and ev[1:].isdecimal() else 0


def _ev_order(ev: str | None) -> tuple[int, str]:
    return (evidence_number(ev), ev or "")


@dataclass(frozen=True, slots=True)
class Secret:
    """A password or key, reduced to what may be printed: presence, length, short hash.

    Equal secrets on different devices give equal ``sha256_8`` values, which is how
    one operator setting up several dens is shown without revealing the secret.
    """

    present: bool
    length: int | None = None
    sha256_8: str | None = None

    @classmethod
    def of(cls, value: str | bytes | None) -> "Secret":
        if value is None or value == "" or value == b"":
            return cls(present=False, length=0 if value is not None else None)
        raw = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
        return cls(
            present=True,
            length=len(value),
            sha256_8=hashlib.sha256(raw).hexdigest()[:8],
        )

    def to_json(self) -> dict[str, Any]:
        return {"present": self.present, "length": self.length, "sha256_8": self.sha256_8}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A network endpoint as the contract writes it."""

    ip: str
    port: int | None = None
    transport: str | None = None  # "udp" | "tcp" | "tls" | None

    def to_json(self) -> dict[str, Any]:
        return {"ip": self.ip, "port": self.port, "transport": self.transport}

    def __str__(self) -> str:
        if self.port is None:
            return self.ip
        if ":" in self.ip:
            return f"[{self.ip}]:{self.port}"
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """Base of every parser record.  ``KIND`` names the record type."""

    KIND: ClassVar[str] = "record"
    prov: Provenance


@dataclass(slots=True, kw_only=True)
class Evidence:
    """One evidence file as taken in: identity, hash, and what became of it."""

    id: str  # "E1"
    path: str  # relative to the case root, as supplied
    abs_path: str  # where it was read from (not written to the findings)
    sha256: str
    size: int
    kind: str = "unrecognised"  # capture | gateway_config | host_artifact | ...
    format: str | None = None  # "pcap", "pcapng", "grandstream_pvalue", ...
    device: str | None = None  # the manifest device it came off, if any
    status: str = "unrecognised"  # parsed | partial | unrecognised | error
    stats: dict[str, Any] = field(default_factory=dict)
    warnings: list[ParseWarning] = field(default_factory=list)
    rehash_ok: bool | None = None  # set by the end-of-run re-hash
    parent: str | None = None  # evidence id of the container / image it came from
    member: str | None = None  # path inside that container
