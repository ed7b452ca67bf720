"""GoIP GSM gateway <-> SMS server link (Hybertone / DBLTek "SMS Server" setting).

Format: no vendor specification is public; the messages are cleartext
``key:value;`` ASCII over UDP, as implemented by independent open-source SMS-server
re-implementations (goip-sms-server, goippy) and the GoIP user manual's SMS-server
fields (id, password).  Recognised first tokens:

* ``req:<seq>;id:<id>;pass:<pw>;...`` keep-alive / registration from the gateway
  (also carries ``num``, ``signal``, ``gsm_status``, ``imei``, ``imsi``, ``iccid``,
  ``pro`` (operator), ``CELLINFO``, ``SMB_LOGIN``);
* ``reg:<seq>;status:<code>;`` the server's answer;
* ``RECEIVE:<ts>;id:<id>;password:<pw>;srcnum:..``, ``DELIVER:``, ``STATE:``,
  ``RECORD:``, ``HANGUP:``, ``CELLS:`` event reports from the gateway.

The gateway id is the detection's ``remote_id``; IMEI / IMSI / ICCID / operator /
cell info go to ``detail``.  Passwords are never copied.  The UDP port is
configurable (44444 in the re-implementations; vendor default unverified), so the
payload decides.  Fixture: ``tests/fixtures/protocols/goip.pcap``.
"""

from __future__ import annotations

import re

from parsers.base import Detection, Protocol
from parsers.protocols._common import never_raises

NAME = "goip"
_START = re.compile(rb"(req|reg|RECEIVE|DELIVER|STATE|RECORD|HANGUP|CELLS|EXPIRY|REMAIN):[^;]{0,40};")
_PAIR = re.compile(rb"([A-Za-z_][A-Za-z_ ]{0,20}):([^;]{0,128});")
_KEEP = {"imei": "imei", "imsi": "imsi", "iccid": "iccid", "pro": "operator", "num": "number",
         "signal": "signal", "gsm_status": "gsm_status", "CELLINFO": "cell_info",
         "SMB_LOGIN": "sim_bank_login", "srcnum": "source_number", "status": "status"}
_SECRET = {"pass", "password", "pw"}


@never_raises
def sniff(payload: bytes, sport: int, dport: int, from_initiator: bool) -> Detection | None:
    if len(payload) < 12 or payload[:1] not in (b"r", b"R", b"D", b"S", b"H", b"C", b"E"):
        return None
    m = _START.match(payload)
    if m is None:
        return None
    pairs = {k.decode("ascii"): v.decode("utf-8", "replace") for k, v in _PAIR.findall(payload[:2048])}
    kind = m.group(1).decode()
    if kind == "reg":
        if "status" not in pairs:
            return None
    elif "id" not in pairs:
        return None
    if kind == "req" and not any(k in pairs for k in _SECRET):
        return None  # a keep-alive always carries pass:
    detail: list[tuple[str, str]] = [("message", kind)]
    for key, label in _KEEP.items():
        if pairs.get(key):
            detail.append((label, pairs[key]))
    return Detection(NAME, "management", "high", "payload", remote_id=pairs.get("id") or None,
                     detail=tuple(detail))


PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="management",
    transports=frozenset({"udp"}),
    # 44444: default of the open-source SMS-server re-implementations (hint only).
    ports=frozenset({44444}),
    sniff=sniff,
)
