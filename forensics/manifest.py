"""The case manifest (`case.yaml`, contract: shared/spec/findings.md) or a plain folder.

With a manifest, exactly the files and folders it names are evidence.  With a plain
folder, every file below it is evidence and devices are inferred.  Unknown keys are
warnings (``manifest-unknown-key``), not errors; a missing required key, bad YAML or a
missing evidence path raise :class:`CaseError` with a one-line message naming the path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from forensics.model.core import ParseWarning
from forensics.status import CaseError

TOP_KEYS = {"case", "examiner", "timezone", "home_country", "language", "devices", "captures",
            "landlines", "complaints", "carrier_records", "keys", "notes", "title"}
DEVICE_KEYS = {"id", "kind", "label", "evidence", "addresses", "model", "serial", "location", "notes", "den"}
DEVICE_KINDS = {"voip_gateway", "laptop", "router", "phone", "other"}
CAPTURE_KEYS = {"file", "location", "device", "notes"}
LANDLINE_KEYS = {"number", "device", "port", "notes", "subscriber", "address"}


@dataclass
class DeviceDecl:
    id: str
    kind: str
    label: str | None = None
    evidence: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    model: str | None = None
    serial: str | None = None
    location: str | None = None


@dataclass
class EvidenceDecl:
    path: str  # relative to the case root, as written
    device: str | None = None
    role: str | None = None  # "capture" | "complaints" | "carrier_records" | None
    location: str | None = None


@dataclass
class Manifest:
    case_id: str
    root: Path  # folder the paths are relative to
    manifest_path: Path | None
    examiner: str | None = None
    timezone: str | None = None
    home_country: str = "CN"
    language: str | None = None
    devices: list[DeviceDecl] = field(default_factory=list)
    evidence: list[EvidenceDecl] = field(default_factory=list)
    landlines: list[dict[str, Any]] = field(default_factory=list)
    complaints: str | None = None
    carrier_records: str | None = None
    keys: list[str] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)


def _warn(m: Manifest, message: str, code: str = "manifest-unknown-key") -> None:
    m.warnings.append(ParseWarning(code=code, message=message))


def load(case: str | os.PathLike[str]) -> Manifest:
    """Load a case: a case.yaml, or a folder (with or without a case.yaml)."""
    p = Path(case)
    if not p.exists():
        raise CaseError(f"{p}: no such file or folder")
    if p.is_dir():
        for name in ("case.yaml", "case.yml"):
            if (p / name).is_file():
                return _from_yaml(p / name)
        return _from_folder(p)
    return _from_yaml(p)


def _from_folder(root: Path) -> Manifest:
    m = Manifest(case_id=root.resolve().name, root=root.resolve(), manifest_path=None)
    m.evidence.append(EvidenceDecl(path="."))
    return m


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def _from_yaml(path: Path) -> Manifest:
    try:
        with open(path, "rb") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise CaseError(f"{path}: cannot read the manifest ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CaseError(f"{path}: not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise CaseError(f"{path}: the manifest must be a mapping with at least a 'case' key")
    if not data.get("case"):
        raise CaseError(f"{path}: the required key 'case' (case identifier) is missing")
    root = path.resolve().parent
    m = Manifest(case_id=str(data["case"]), root=root, manifest_path=path.resolve())
    for k in sorted(set(data) - TOP_KEYS):
        _warn(m, f"{path.name}: unknown key '{k}' ignored")
    m.examiner = _str(data.get("examiner"))
    m.timezone = _str(data.get("timezone"))
    m.home_country = str(data.get("home_country") or "CN").upper()
    m.language = _str(data.get("language"))
    m.keys = [str(k) for k in (data.get("keys") or [])]
    for i, d in enumerate(data.get("devices") or []):
        if not isinstance(d, dict) or not d.get("id"):
            raise CaseError(f"{path}: device #{i + 1} has no 'id'")
        for k in sorted(set(d) - DEVICE_KEYS):
            _warn(m, f"{path.name}: device {d['id']}: unknown key '{k}' ignored")
        kind = str(d.get("kind") or "other")
        if kind not in DEVICE_KINDS:
            _warn(m, f"{path.name}: device {d['id']}: unknown kind '{kind}', taken as 'other'", "manifest-bad-value")
            kind = "other"
        ev = d.get("evidence") or []
        ev = [ev] if isinstance(ev, str) else list(ev)
        addrs = d.get("addresses") or []
        addrs = [addrs] if isinstance(addrs, str) else list(addrs)
        dev = DeviceDecl(id=str(d["id"]), kind=kind, label=_str(d.get("label")),
                         evidence=[str(e) for e in ev], addresses=[str(a) for a in addrs],
                         model=_str(d.get("model")), serial=_str(d.get("serial")),
                         location=_str(d.get("location")))
        m.devices.append(dev)
        for e in dev.evidence:
            m.evidence.append(EvidenceDecl(path=e, device=dev.id))
    for c in data.get("captures") or []:
        if isinstance(c, str):
            c = {"file": c}
        if not isinstance(c, dict) or not c.get("file"):
            raise CaseError(f"{path}: a 'captures' entry has no 'file'")
        for k in sorted(set(c) - CAPTURE_KEYS):
            _warn(m, f"{path.name}: capture {c['file']}: unknown key '{k}' ignored")
        m.evidence.append(EvidenceDecl(path=str(c["file"]), device=_str(c.get("device")), role="capture",
                                       location=_str(c.get("location"))))
    for ln in data.get("landlines") or []:
        if not isinstance(ln, dict) or not ln.get("number"):
            raise CaseError(f"{path}: a 'landlines' entry has no 'number'")
        for k in sorted(set(ln) - LANDLINE_KEYS):
            _warn(m, f"{path.name}: landline {ln['number']}: unknown key '{k}' ignored")
        m.landlines.append(dict(ln))
    if data.get("complaints"):
        m.complaints = str(data["complaints"])
        m.evidence.append(EvidenceDecl(path=m.complaints, role="complaints"))
    if data.get("carrier_records"):
        m.carrier_records = str(data["carrier_records"])
        m.evidence.append(EvidenceDecl(path=m.carrier_records, role="carrier_records"))
    ids = [d.id for d in m.devices]
    if len(ids) != len(set(ids)):
        raise CaseError(f"{path}: device ids must be unique")
    for e in m.evidence:
        if not (root / e.path).exists():
            raise CaseError(f"{path}: evidence '{e.path}' does not exist")
    return m
