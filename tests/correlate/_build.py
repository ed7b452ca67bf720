"""Small hand-built records and cases for the correlation rule tests (invented values)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from forensics import numbers
from forensics.correlate.context import CaseData
from forensics.lists import Complaint
from forensics.manifest import DeviceDecl, Manifest
from forensics.model.core import Endpoint, Provenance, Record, Secret
from forensics.model.gateway import Account, GatewayConfig, Management, Port, SipServer
from forensics.model.network import CaptureHost
from forensics.model.network_dhcp import DhcpLease
from forensics.model.sip import SipMessage

T0 = 1_723_860_000 * 10**9  # 2024-08-17T02:00:00Z


def prov(ev: str, **where: Any) -> Provenance:
    return Provenance(evidence_id=ev, parser="test@1", **where)


def case(devices: list[DeviceDecl] = (), records: list[Record] = (), evidence_device: dict | None = None,
         landlines: list[dict] = (), home: str = "CN") -> CaseData:
    m = Manifest(case_id="T", root=Path("."), manifest_path=None, home_country=home,
                 devices=list(devices), landlines=list(landlines))
    c = CaseData(manifest=m, evidence=[], records=list(records))
    c.evidence_device = dict(evidence_device or {})
    return c


def device(id: str, kind: str = "voip_gateway", addresses: list[str] = (), model: str | None = None,
           serial: str | None = None) -> DeviceDecl:
    return DeviceDecl(id=id, kind=kind, addresses=list(addresses), model=model, serial=serial)


def account(username: str, port: int | None = 1, auth_id: str | None = None, line_number: str | None = None,
            password: str | None = "pw", line: int | None = 10) -> Account:
    return Account(id=f"line{port}", port=port, username=username, auth_id=auth_id, password=Secret.of(password),
                   display_name=None, server_ref=None, register=True, line_number=line_number,
                   source_key="X", line=line)


def config(ev: str, vendor: str = "DBL", model: str | None = None, mac: str | None = None,
           lan_ip: str | None = None, accounts: tuple = (), ports: tuple = (), servers: tuple = (),
           management: tuple = (), serial: str | None = None, hostname: str | None = None) -> GatewayConfig:
    return GatewayConfig(prov=prov(ev, offset=0), vendor=vendor, format="test", model=model, mac=mac,
                         lan_ip=lan_ip, accounts=tuple(accounts), ports=tuple(ports), sip_servers=tuple(servers),
                         management=tuple(management), serial=serial, hostname=hostname)


def server(host: str, role: str = "registrar", line: int = 5) -> SipServer:
    return SipServer(role=role, host=host, port=5060, transport="udp", source_key="S", line=line)


def mgmt(target: str, line: int = 7) -> Management:
    return Management(kind="tr069", target=target, enabled=True, line=line)


def port(index: int, line_number: str | None, line: int = 20) -> Port:
    return Port(index=index, kind="fxo", raw_index=str(index), line_number=line_number, line=line)


def host(ev: str, ip: str, mac: str | None, frame: int = 1, dhcp_hostname: str | None = None) -> CaptureHost:
    return CaptureHost(prov=prov(ev, frame=frame), ip=ip, mac=mac, packets=1, bytes=60, first_ts_ns=T0,
                       last_ts_ns=T0, dhcp_hostname=dhcp_hostname)


def lease(ev: str, mac: str, hostname: str | None, ip: str | None, frame: int = 1) -> DhcpLease:
    return DhcpLease(prov=prov(ev, frame=frame), ts_ns=T0, client_mac=mac, hostname=hostname, requested_ip=ip)


def register(ev: str, src: str, user: str, frame: int, ua: str | None = None, auth: str | None = None,
             registrar: str = "203.0.113.10") -> SipMessage:
    return SipMessage(prov=prov(ev, frame=frame), ts_ns=T0 + frame * 10**6, src=Endpoint(src, 5060, "udp"),
                      dst=Endpoint(registrar, 5060, "udp"), is_request=True, method="REGISTER",
                      request_uri=f"sip:{registrar}", call_id=f"r{frame}", cseq_num=1, cseq_method="REGISTER",
                      from_user=user, to_user=user, auth_username=auth, user_agent=ua,
                      contact_uri=f"sip:{user}@{src}:5060")


def invite(ev: str, src: str, dst: str, callee: str, frame: int, ua: str | None = None) -> SipMessage:
    return SipMessage(prov=prov(ev, frame=frame), ts_ns=T0 + frame * 10**6, src=Endpoint(src, 5060, "udp"),
                      dst=Endpoint(dst, 5060, "udp"), is_request=True, method="INVITE",
                      request_uri=f"sip:{callee}@{dst}", call_id=f"c{frame}", cseq_num=1, cseq_method="INVITE",
                      from_user="4000000123", to_user=callee, user_agent=ua)


def complaint(ev: str, case_no: str, victim: str, line: int, reported_at: int | None = None,
              amount: str | None = None) -> Complaint:
    return Complaint(prov=prov(ev, line=line), case_no=case_no, victim_raw=victim,
                     victim=numbers.normalise(victim, "CN"), reported_at=reported_at, reported_at_raw=None,
                     reported_precision=None, amount=Decimal(amount) if amount else None, amount_raw=amount,
                     caller_raw=None, caller=None, line=line)


def call_row(call_id: str, device: str | None, callee: str | None, start: str, direction: str = "to_pstn",
             landline: str | None = None, answer: str | None = None, caller: str | None = None,
             account: str | None = None, peer: str = "203.0.113.10") -> dict[str, Any]:
    """A ``calls[]`` row as the sip_calls rule writes it (only the fields rules read)."""
    return {"call_id": call_id, "device": device, "direction": direction, "callee": callee, "callee_raw": callee,
            "caller": caller, "caller_raw": caller, "landline": landline, "gateway_port": None,
            "gateway_account": account, "start": start, "answer": answer, "end": None,
            "sip_peer": {"ip": peer, "port": 5060, "transport": "udp"}, "sources": [{"evidence": "E9", "frame": 1}]}


def warnings(c: CaseData) -> list[tuple[str, str]]:
    return [(w.code, w.message) for w in c.warnings]
