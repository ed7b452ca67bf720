"""The shared state that correlation rules read and fill.

Rules are plain functions ``rule(case: CaseData) -> None`` listed in
``forensics/correlate/__init__.py`` and run in that order.  Each reads records
(``case.of(SomeRecord)``) and earlier rules' output lists, and appends rows (plain
JSON-ready dicts, per ``shared/spec/findings.md``) to ``case.out[<list name>]``.
They never read evidence and never render.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from forensics.model.core import Evidence, ParseWarning, Record, evidence_number

R = TypeVar("R", bound=Record)

LISTS = (
    "evidence",
    "devices",
    "gateway_configs",
    "sip_registrations",
    "calls",
    "remote_sessions",
    "tunnels",
    "landlines",
    "operators",
    "complaints",
    "links",
    "media_streams",
)


@dataclass
class CaseData:
    """Everything correlation knows about one case."""

    manifest: Any  # forensics.manifest.Manifest
    evidence: list[Evidence]
    records: list[Record]
    warnings: list[ParseWarning] = field(default_factory=list)  # correlation warnings
    out: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {k: [] for k in LISTS}
    )
    # capture host (ip or lower-case mac) -> device id, filled by the devices rule.
    # Claims that hold in every capture (manifest addresses, config MAC/IP) live in
    # host_device; claims learnt from one capture (a REGISTER, a DHCP lease, an
    # Ethernet source) live in host_device_ev under (evidence id, host), so two dens
    # that both use 192.168.1.20 keep their own gateways apart.
    host_device: dict[str, str] = field(default_factory=dict)
    host_device_ev: dict[tuple[str, str], str] = field(default_factory=dict)
    # evidence id -> device id (from the manifest)
    evidence_device: dict[str, str | None] = field(default_factory=dict)
    # free-form facts rules share (e.g. "geo": GeoLookup instance)
    facts: dict[str, Any] = field(default_factory=dict)
    _by_type: dict[type, list[Record]] | None = None

    def of(self, cls: type[R]) -> list[R]:
        """All records of exactly this type, in pipeline order."""
        if self._by_type is None:
            idx: dict[type, list[Record]] = defaultdict(list)
            for r in self.records:
                idx[type(r)].append(r)
            self._by_type = idx
        return list(self._by_type.get(cls, ()))  # type: ignore[arg-type]

    def device_of_host(self, *hosts: str | None, evidence: str | None = None) -> str | None:
        """The device a capture host (ip or mac) was attributed to, if any.

        With ``evidence`` (the capture the host was seen in), that capture's own
        attribution wins; without it, a host attributed differently in different
        captures has no single answer and gives None."""
        for h in hosts:
            if not h:
                continue
            key = h.lower()
            if evidence is not None and (evidence, key) in self.host_device_ev:
                return self.host_device_ev[(evidence, key)]
            if key in self.host_device:
                return self.host_device[key]
            if evidence is None:
                devs = {d for (_ev, hk), d in self.host_device_ev.items() if hk == key}
                if len(devs) == 1:
                    return devs.pop()
        return None

    def is_device_host(self, host: str) -> bool:
        """True when the address belongs to some device in some capture."""
        key = host.lower()
        return key in self.host_device or any(hk == key for (_ev, hk) in self.host_device_ev)

    def device_of_evidence(self, evidence_id: str) -> str | None:
        return self.evidence_device.get(evidence_id)

    def warn(self, code: str, message: str, evidence: str | None = None) -> None:
        self.warnings.append(ParseWarning(code=code, message=message, evidence=evidence))


def sources_of(records: Iterable[Record], limit: int = 50) -> list[dict[str, Any]]:
    """Contract `sources[]` for a group of records: distinct, ordered, capped.

    Runs longer than ``limit`` frames of one evidence are summarised as
    ``{"evidence", "frames": [first, last], "count"}``.
    """
    per_ev: dict[tuple[str, str | None], list[dict[str, Any]]] = defaultdict(list)
    seen: set[tuple] = set()
    for r in records:
        src = r.prov.source()
        key = tuple(sorted(src.items()))
        if key in seen:
            continue
        seen.add(key)
        per_ev[(src["evidence"], src.get("member"))].append(src)
    out: list[dict[str, Any]] = []
    for (ev, member), items in sorted(per_ev.items(), key=lambda kv: (evidence_number(kv[0][0]), kv[0][1] or "")):
        frames = sorted(i["frame"] for i in items if "frame" in i)
        others = [i for i in items if "frame" not in i]
        if len(frames) > limit:
            s: dict[str, Any] = {"evidence": ev, "frames": [frames[0], frames[-1]], "count": len(frames)}
            if member:
                s["member"] = member
            out.append(s)
        else:
            for f in frames:
                s = {"evidence": ev, "frame": f}
                if member:
                    s["member"] = member
                out.append(s)
        others.sort(key=lambda i: (i.get("line") or 0, i.get("offset") or 0))
        out.extend(others[:limit])
    return out


def ip_literal(value: Any) -> str | None:
    """The canonical text of an IP address literal (brackets allowed), else None."""
    if not value:
        return None
    import ipaddress

    try:
        return str(ipaddress.ip_address(str(value).strip("[]")))
    except ValueError:
        return None




def iso(ts_ns: int | None) -> str | None:
    """Contract time: ISO 8601 UTC with microseconds."""
    if ts_ns is None:
        return None
    import datetime as _dt

    sec, ns = divmod(int(ts_ns), 1_000_000_000)
    d = _dt.datetime.fromtimestamp(sec, tz=_dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns // 1000:06d}Z"
