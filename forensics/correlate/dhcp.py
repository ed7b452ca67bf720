"""DHCP host names and leases → device attribution claims (helper of the devices rule).

A DHCP client announces a host name (option 12) and the address it wants (option 50)
from its MAC (RFC 2131/2132; records: :class:`~forensics.model.network_dhcp.DhcpLease`,
or ``CaptureHost.dhcp_hostname`` when the capture engine fills it).  Two things follow:

* a **binding** MAC ↔ LAN address, which lets a ``config-mac`` claim reach the address
  even when the capture shows that address behind another MAC or not at all;
* a **``dhcp-hostname``** claim when the announced name identifies a seized device: it
  equals the host name in the device's configuration, or contains the device's serial
  number, or contains its model string — the model only when no other device in the
  case has the same model (two identical gateways cannot be told apart by model).

Names are compared case-insensitively on letters and digits only (``DBL_FXO-4``
matches model ``DBL FXO-4``).  Inferred from common device behaviour, not from a
vendor document: that gateways send their model or configured host name as option 12.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from forensics.correlate.context import CaseData, sources_of
from forensics.model.core import Record
from forensics.model.network import CaptureHost
from forensics.model.network_dhcp import DhcpLease

MIN_MODEL = 4  # shorter model strings ("GW", "TA1") match too much
MIN_SERIAL = 6


@dataclass(frozen=True)
class Announce:
    """One host-name / address announcement, whatever record it came from."""

    mac: str | None
    ip: str | None
    hostname: str | None
    record: Record


def squash(text: str | None) -> str:
    """Lower-case letters and digits only, for name comparison."""
    return re.sub(r"[^0-9a-z]", "", (text or "").lower())


def announcements(case: CaseData) -> list[Announce]:
    out = [Announce(r.client_mac.lower(), r.requested_ip, r.hostname, r) for r in case.of(DhcpLease)]
    out += [Announce(h.mac.lower() if h.mac else None, h.ip, h.dhcp_hostname, h)
            for h in case.of(CaptureHost) if h.dhcp_hostname]
    return out


def bindings(case: CaseData) -> dict[str, tuple[str, Record]]:
    """LAN address → (MAC, the record that bound them), first announcement wins."""
    out: dict[str, tuple[str, Record]] = {}
    for a in announcements(case):
        if a.ip and a.mac:
            out.setdefault(a.ip, (a.mac, a.record))
    return out


def match(hostname: str, ident: dict[str, Any], model_unique: bool) -> str | None:
    """Which identity field the host name matches: "hostname", "serial", "model" or None."""
    name = squash(hostname)
    if not name:
        return None
    if ident.get("hostname") and squash(ident["hostname"]) == name:
        return "hostname"
    serial = squash(ident.get("serial"))
    if len(serial) >= MIN_SERIAL and serial in name:
        return "serial"
    model = squash(ident.get("model"))
    if model_unique and len(model) >= MIN_MODEL and model in name:
        return "model"
    return None


def claims(case: CaseData, identities: dict[str, dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]], dict[str, Any]]]:
    """(host, device, sources, extra) for every address and MAC whose DHCP host name
    identifies a device; ``extra`` names the host name and the field it matched."""
    model_count: dict[str, int] = defaultdict(int)
    for ident in identities.values():
        if squash(ident.get("model")):
            model_count[squash(ident.get("model"))] += 1
    out = []
    for a in announcements(case):
        if not a.hostname:
            continue
        for dev in sorted(identities):
            ident = identities[dev]
            field = match(a.hostname, ident, model_count.get(squash(ident.get("model")), 0) == 1)
            if field is None:
                continue
            extra = {"dhcp_hostname": a.hostname, "matched": field}
            for host in (a.mac, a.ip):
                if host:
                    out.append((host, dev, sources_of([a.record]), extra))
    return out


def hostnames(case: CaseData) -> dict[str, set[str]]:
    """Host (MAC and address) → DHCP host names announced from it."""
    out: dict[str, set[str]] = defaultdict(set)
    for a in announcements(case):
        if a.hostname:
            for host in (a.mac, a.ip):
                if host:
                    out[host].add(a.hostname)
    return out
