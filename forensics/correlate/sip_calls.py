"""INVITE dialogs → ``calls[]``.

One call per Call-ID within a capture: a 401/407 challenge followed by an
authenticated INVITE, forked provisional responses and re-INVITEs all stay in one
call.  Per call: start (first INVITE), ring (first 180/183), answer (first 2xx),
end and why it ended (BYE by caller or callee, CANCEL, an error response, or
``incomplete`` when the capture does not show an end), talk time, and the numbers
in every identity header, each normalised and labelled with the header it came from.

Direction is seen from the device: an INVITE arriving at a device is ``to_pstn``
(the gateway dials it out on a line); an INVITE sent by a device is ``from_pstn``.
The gateway account a call used is the registration whose Contact (or username)
the INVITE's Request-URI names.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from forensics import numbers
from forensics.correlate.context import CaseData, iso, sources_of
from forensics.model.sip import SipMessage

NUMBER_HEADERS = (
    ("From", "from_uri"), ("To", "to_uri"), ("Request-URI", "request_uri"),
    ("P-Asserted-Identity", "pai"), ("P-Preferred-Identity", "ppi"),
    ("Remote-Party-ID", "rpid"), ("Diversion", "diversion"),
)


def number_json(raw: str | None, region: str) -> dict[str, Any] | None:
    if not raw:
        return None
    n = numbers.normalise(raw, region)
    if n is None:
        return {"raw": raw, "e164": None}
    return {"raw": raw, "e164": n.e164, "national": n.national, "region": n.region_zh or n.region_en,
            "region_en": n.region_en, "type": n.type, "carrier": n.carrier}


def _header_user(value: str | None) -> str | None:
    if not value:
        return None
    return numbers.extract_user(value)


def rule_sip_calls(case: CaseData) -> None:
    region = case.manifest.home_country or "CN"
    by_call: dict[tuple[str, str], list[SipMessage]] = defaultdict(list)
    for m in case.of(SipMessage):
        if m.call_id and (m.method == "INVITE" or m.cseq_method in ("INVITE", "BYE", "CANCEL", "ACK", "PRACK")
                          or m.method in ("BYE", "CANCEL", "ACK", "PRACK")):
            by_call[(m.prov.evidence_id, m.call_id)].append(m)
    regs = case.out.get("sip_registrations", [])
    media_by_call = _media_by_call(case)
    for (ev_id, call_id), msgs in by_call.items():
        invites = [m for m in msgs if m.is_request and m.method == "INVITE"]
        if not invites:
            continue
        msgs.sort(key=lambda m: (m.ts_ns, m.prov.frame or 0))
        first = invites[0]
        inv_resp = [m for m in msgs if not m.is_request and m.cseq_method == "INVITE" and m.status]
        ring = next((m for m in inv_resp if m.status in (180, 183)), None)
        answer = next((m for m in inv_resp if 200 <= m.status < 300), None)
        finals = [m for m in inv_resp if m.status >= 300 and m.status not in (401, 407)]
        challenges = [m for m in inv_resp if m.status in (401, 407)]
        bye = next((m for m in msgs if m.is_request and m.method == "BYE"), None)
        cancel = next((m for m in msgs if m.is_request and m.method == "CANCEL"), None)
        status: int | None = None
        end_ts = None
        if answer is not None:
            status = answer.status
            if bye is not None:
                end_ts = bye.ts_ns
                side = "caller" if bye.src.ip == first.src.ip and bye.src.port == first.src.port else "callee"
                reason = f"bye-{side}"
            else:
                reason = "incomplete"
        elif cancel is not None:
            end_ts = cancel.ts_ns
            reason = "cancel"
            status = finals[-1].status if finals else 487 if any(m.status == 487 for m in inv_resp) else None
        elif finals:
            status = finals[-1].status
            end_ts = finals[-1].ts_ns
            reason = f"rejected-{status}"
        elif challenges and challenges[-1].ts_ns >= invites[-1].ts_ns:
            status = challenges[-1].status
            end_ts = challenges[-1].ts_ns
            reason = f"rejected-{status}"
        else:
            reason = "incomplete"
        dev_dst = case.device_of_host(first.dst.ip, evidence=ev_id)
        dev_src = case.device_of_host(first.src.ip, evidence=ev_id)
        if dev_dst:
            direction, device, peer = "to_pstn", dev_dst, first.src
        elif dev_src:
            direction, device, peer = "from_pstn", dev_src, first.dst
        else:
            direction, device, peer = "unknown", None, first.src
        caller_raw = first.from_user
        callee_raw = _header_user(first.request_uri) or first.to_user
        caller = numbers.normalise(caller_raw, region) if caller_raw else None
        callee = numbers.normalise(callee_raw, region) if callee_raw else None
        account = _account_for(first, device, regs) if direction == "to_pstn" else (
            first.from_user if direction == "from_pstn" else None)
        hdr_numbers = []
        for label, attr in NUMBER_HEADERS:
            raw_h = getattr(first, attr)
            user = _header_user(raw_h)
            if user:
                nj = number_json(user, region)
                if nj:
                    nj["header"] = label
                    hdr_numbers.append(nj)
        media = []
        for m in (first, answer):
            if m is None:
                continue
            for sd in m.sdp:
                media.append({"ip": sd.ip, "port": sd.port, "media": sd.media, "codec": sd.codecs[0] if sd.codecs else None,
                              "proto": sd.proto, "announced_by": "callee" if m is answer else "caller", "packets": None})
        streams = media_by_call.get(call_id, [])
        for md in media:
            for s in streams:
                if s["dst"]["ip"] == md["ip"] and s["dst"]["port"] == md["port"]:
                    md["packets"] = (md["packets"] or 0) + s["packets"]
        row = {
            "device": device,
            "call_id": call_id,
            "direction": direction,
            "caller": caller.e164 if caller else None,
            "caller_raw": caller_raw,
            "callee": callee.e164 if callee else None,
            "callee_raw": callee_raw,
            "callee_region": (callee.region_zh or callee.region_en) if callee else None,
            "callee_type": callee.type if callee else None,
            "numbers": hdr_numbers,
            "landline": None,
            "gateway_port": None,
            "gateway_account": account,
            "sip_peer": {"ip": peer.ip, "port": peer.port, "transport": peer.transport},
            "user_agent": first.user_agent,
            "start": iso(first.ts_ns),
            "ring": iso(ring.ts_ns) if ring else None,
            "answer": iso(answer.ts_ns) if answer else None,
            "end": iso(end_ts),
            "setup_seconds": _secs((answer or ring).ts_ns - first.ts_ns) if (answer or ring) else None,
            "ring_seconds": _secs(answer.ts_ns - ring.ts_ns) if (answer and ring) else None,
            "duration": _secs(end_ts - answer.ts_ns) if (answer and end_ts) else None,
            "status": status,
            "end_reason": reason,
            "incomplete": reason == "incomplete",
            "auth_challenged": bool(challenges),
            "invites": len({m.cseq_num for m in invites}),
            "media": media,
            "media_streams": streams,
            "sources": sources_of(msgs),
        }
        case.out["calls"].append(row)


def _secs(ns: int) -> float:
    return round(ns / 1e9, 3)


def _account_for(invite: SipMessage, device: str | None, regs: list[dict[str, Any]]) -> str | None:
    """The registration of this device whose Contact user (or username) the INVITE names."""
    ruser = _header_user(invite.request_uri)
    mine = [r for r in regs if r.get("device") == device and (r.get("host") == invite.dst.ip or device)]
    for r in mine:
        cu = numbers.extract_user(r.get("contact")) if r.get("contact") else None
        if ruser and cu and ruser == cu:
            return r["username"]
    # each line registered from its own local SIP port: the INVITE's destination names it
    by_port = [r for r in mine if _contact_hostport(r.get("contact")) == (invite.dst.ip, invite.dst.port)]
    if len({r["username"] for r in by_port}) == 1:
        return by_port[0]["username"]
    for r in mine:
        if ruser and ruser == r.get("username"):
            return r["username"]
    if invite.to_user:
        for r in mine:
            if invite.to_user == r.get("username"):
                return r["username"]
    return None


def _contact_hostport(contact: str | None) -> tuple[str, int] | None:
    """(host, port) of a SIP contact URI; port 5060 when none is written."""
    if not contact:
        return None
    rest = contact.split(":", 1)[1] if ":" in contact else contact
    rest = rest.split("@", 1)[-1].split(";", 1)[0].split(">", 1)[0]
    if rest.startswith("["):
        host, _, port = rest[1:].partition("]")
        port = port.lstrip(":")
    else:
        host, _, port = rest.partition(":")
    return (host, int(port) if port.isdecimal() else 5060)


def _media_by_call(case: CaseData) -> dict[str, list[dict[str, Any]]]:
    try:
        from forensics.model.media import MediaStream
    except ImportError:
        return {}
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in case.of(MediaStream):
        row = {
            "src": {"ip": s.src.ip, "port": s.src.port},
            "dst": {"ip": s.dst.ip, "port": s.dst.port},
            "ssrc": getattr(s, "ssrc", None),
            "codec": getattr(s, "codec", None),
            "packets": s.packets,
            "lost": getattr(s, "lost", None),
            "jitter_ms": getattr(s, "jitter", None),
            "first_seen": iso(getattr(s, "first_ts_ns", None)),
            "last_seen": iso(getattr(s, "last_ts_ns", None)),
            "first_frame": getattr(s, "first_frame", None),
        }
        case.out["media_streams"].append(dict(row, call_id=getattr(s, "call_id", None), announced=getattr(s, "announced", None),
                                             sources=sources_of([s])))
        if getattr(s, "call_id", None):
            out[s.call_id].append(row)
    return out
