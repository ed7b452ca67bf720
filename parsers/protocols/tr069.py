"""TR-069 / CWMP: a gateway's Inform to its auto-configuration server (ACS).

Format: Broadband Forum TR-069 (CWMP) Amendment 6, section 3.7 (SOAP envelope with
namespace ``urn:dslforum-org:cwmp-1-0`` .. ``-1-4``) and A.3.3.1 (Inform: DeviceId
with Manufacturer, OUI, ProductClass, SerialNumber; Event codes such as
``0 BOOTSTRAP``, ``1 BOOT``, ``2 PERIODIC``).  The CPE opens the session with an
HTTP POST carrying the Inform (section 3.7.1.5); the ACS answers InformResponse and
may then push SetParameterValues / Download / Reboot.

Checked: the CWMP namespace URI and an ``Inform`` / ``InformResponse`` or other RPC
element in a cleartext HTTP segment.  The device id ``OUI-ProductClass-Serial``
(TR-069 A.3.3.1 form, ``OUI-Serial`` without a product class) is the detection's
``remote_id``; the event codes and ACS-pushed RPC names are details.  HTTPS
sessions are invisible (port hint 7547 only).
Fixture: ``tests/fixtures/protocols/tr069.pcap``.
"""

from __future__ import annotations

import re

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "tr069"
_NS = b"urn:dslforum-org:cwmp-1-"
_RPC = re.compile(rb"<(?:[A-Za-z0-9_]+:)?(Inform|InformResponse|GetParameterValues|SetParameterValues|"
                  rb"GetParameterNames|Download|Reboot|FactoryReset|AddObject|DeleteObject|TransferComplete)"
                  rb"[\s/>]")
_EVENT = re.compile(rb"<EventCode>\s*([^<]{1,40}?)\s*</EventCode>")


def _field(body: bytes, tag: str) -> str | None:
    m = re.search(rb"<" + tag.encode() + rb">\s*([^<]{1,64}?)\s*</" + tag.encode() + rb">", body)
    return m.group(1).decode("utf-8", "replace") if m else None


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 64:
        return None
    head = payload[:65536]
    if _NS not in head:
        return None
    m = _RPC.search(head)
    if m is None:
        return None
    rpc = m.group(1).decode()
    detail: list[tuple[str, str]] = [("rpc", rpc)]
    device = None
    if rpc == "Inform":
        oui, cls, serial = _field(head, "OUI"), _field(head, "ProductClass"), _field(head, "SerialNumber")
        maker = _field(head, "Manufacturer")
        if oui and serial:
            device = "-".join(x for x in (oui, cls, serial) if x)
        for key, val in (("manufacturer", maker), ("oui", oui), ("product_class", cls), ("serial", serial)):
            if val:
                detail.append((key, val))
        detail += [("event", e.decode("utf-8", "replace")) for e in _EVENT.findall(head)[:8]]
    return Detection(NAME, "management", "high", "payload", remote_id=device, detail=tuple(detail))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="management",
    transports=frozenset({"tcp"}),
    # 7547: IANA "cwmp" (CPE connection-request listener, also common ACS port).
    ports=frozenset({7547}),
    sniff=sniff,
    port_confidence="low",
)
