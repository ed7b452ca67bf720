"""Cisco / Linksys / Sipura SPA ATAs and FXO gateways (SPA3102, SPA8000, SPA112/122…).

Formats (notes §7): the XML "open profile" ``<flat-profile>`` (parameter elements named
after web labels, per-line suffix ``_<n>_``, ``ua="na|ro|rw"`` attributes) and the
plain-text SPC source ``Name[n] "value";``.  Element names: sipXecs ``spa3102.cfg`` test
profile, fusionpbx linksys/cisco templates and the Cisco SB provisioning guide —
verified.  Encrypted profiles (``openssl enc`` output starting ``Salted__``) are
recognised and reported (``spa-encrypted-profile``); gzip-compressed ones are opened by
the gzip container first.  Compiled SPC ``.cfg`` files have no documented magic and are
not claimed.

Inferred (medium confidence): on the SPA3102 the PSTN line's own SIP account uses the
``_2_`` suffix; lines whose number is 2 are taken as the PSTN line only when the profile
also has PSTN gateway keys.  ``GPP_*`` macros may hold profile decryption keys
(``[--key $B]``): they are listed as secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forensics.model.gateway import GatewayConfig
from parsers.base import FileParser, ParseContext, Source
from parsers.gateway_configs._common import (
    Builder,
    Keys,
    head_text,
    local,
    parse_xml,
    read_text,
    safe_sniff,
    truthy,
)

_SPC = re.compile(r'^([A-Za-z][\w\-]*)(?:\[(\d+)\])?\s+"((?:[^"\\]|\\.)*)"\s*;\s*$')
_MODEL = re.compile(r"(SPA\d{3,4}[A-Z]?)")
_SECRET_EXTRA = re.compile(r"^(Admin_Passwd|User_Password|GPP_[A-Z]{1,2}|.*_PIN_.*|"
                           r"Password_\d+_|GW\d+_Password_\d+_)$")


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    if head.startswith(b"Salted__"):
        return True
    text = head_text(head)
    if "<flat-profile" in text[:4096]:
        return True
    lines = [ln.strip() for ln in text.splitlines()[:300]]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    hits = sum(1 for ln in lines if _SPC.match(ln))
    return hits >= 3 and hits >= 0.8 * len(lines)


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    if src.head.startswith(b"Salted__"):
        ctx.warn("spa-encrypted-profile", "OpenSSL-encrypted profile ('Salted__', AES-256-CBC "
                 "per the Cisco SB provisioning guide); the key may be in a GPP_* macro of "
                 "another profile", offset=0)
        return
    text, encoding = read_text(src, ctx)
    keys = Keys()
    model = None
    if "<flat-profile" in text[:4096]:
        doc = parse_xml(src.read_all(), ctx)
        if doc is None:
            return
        encoding, fmt = doc.encoding, "spa-flat-profile"
        ns = doc.root.tag.split("}")[0].lstrip("{") if "}" in doc.root.tag else ""
        m = _MODEL.search(ns) or _MODEL.search(text[:2048])
        model = m.group(1) if m else None
        for el in doc.root:
            keys.put(local(el.tag), (el.text or "").strip(), doc.line(el), ctx)
    else:
        fmt = "spa-spc-text"
        for no, raw in enumerate(text.splitlines(), 1):
            s = raw.strip()
            if not s or s.startswith("#"):
                if model is None and (m := _MODEL.search(s)):
                    model = m.group(1)
                continue
            m = _SPC.match(s)
            if not m:
                ctx.warn("config-bad-line", f"not a Name \"value\"; line: {s[:60]!r}", line=no)
                continue
            key = f"{m.group(1)}_{m.group(2)}_" if m.group(2) else m.group(1)
            keys.put(key, m.group(3), no, ctx)
    b = Builder(ctx, "Cisco/Linksys", fmt, encoding)
    b.model = model
    _map(keys, b)
    yield b.build(unmapped=keys.unmapped())


def _yes(keys: Keys, key: str) -> bool | None:
    return truthy(keys.get(key))


def _map(keys: Keys, b: Builder) -> None:
    for k in keys.keys():
        if _SECRET_EXTRA.match(k):
            b.secret(k, keys.get(k))
    b.hostname = keys.get("HostName")
    pstn = any(k.startswith(("VoIP-To-PSTN", "PSTN", "FXO_")) for k in keys.keys())
    lines = sorted({int(m.group(1)) for k in keys.keys()
                    if (m := re.fullmatch(r"(?:Proxy|User_ID|Line_Enable|Password)_(\d+)_", k))})
    for n in lines:
        sfx = f"_{n}_"
        transport = (keys.get("SIP_Transport" + sfx) or "").lower() or None
        ref = b.server("registrar", keys.get("Proxy" + sfx), "Proxy" + sfx,
                       keys.line("Proxy" + sfx), transport)
        b.server("proxy", keys.get("Proxy" + sfx), "Proxy" + sfx, keys.line("Proxy" + sfx),
                 transport)
        if _yes(keys, "Use_Outbound_Proxy" + sfx) is not False:
            b.server("outbound_proxy", keys.get("Outbound_Proxy" + sfx),
                     "Outbound_Proxy" + sfx, keys.line("Outbound_Proxy" + sfx), transport)
        user = keys.get("User_ID" + sfx)
        auth = keys.get("Auth_ID" + sfx) if _yes(keys, "Use_Auth_ID" + sfx) is not False else None
        enabled = _yes(keys, "Line_Enable" + sfx)
        is_pstn = pstn and n == 2
        if user or keys.get("Password" + sfx):
            b.account(id=f"line{n}", port=n, username=user, auth_id=auth,
                      password=b.secret("Password" + sfx, keys.get("Password" + sfx)),
                      display_name=keys.get("Display_Name" + sfx), server_ref=ref,
                      register=_yes(keys, "Register" + sfx) if enabled is not False else False,
                      source_key="User_ID" + sfx, line=keys.line("User_ID" + sfx))
        b.port(index=n, kind="pstn" if is_pstn else "fxs", raw_index=sfx,
               account_ref=f"line{n}" if user else None, line=keys.line("Line_Enable" + sfx))
        for k in ("SIP_Port", "Register_Expires", "Use_DNS_SRV", "NAT_Mapping_Enable",
                  "NAT_Keep_Alive_Enable"):
            keys.get(k + sfx)
        if (plan := keys.get("Dial_Plan" + sfx)) and not is_pstn:
            b.route("tel_to_ip", f"Dial_Plan{sfx} = {plan}", match_callee=plan,
                    destination=f"line{n}", line=keys.line("Dial_Plan" + sfx))
    _gateway(keys, b)
    _management(keys, b)


def _plan(keys: Keys, dp: str | None) -> str | None:
    if not dp:
        return None
    return keys.get(f"Dial_Plan_{dp}_2__1_") or f"dial plan {dp}"


def _gateway(keys: Keys, b: Builder) -> None:
    """VoIP→PSTN / PSTN→VoIP gateway sections and gateway accounts (SPA3102)."""
    for k in keys.keys():
        m = re.fullmatch(r"Gateway_(\d+)_(\d+)_", k)
        if not m:
            continue
        g, n = m.group(1), m.group(2)
        ref = b.server("trunk_peer", keys.get(k), k, keys.line(k))
        auth = keys.get(f"GW{g}_Auth_ID_{n}_")
        pw = keys.get(f"GW{g}_Password_{n}_")
        if auth or pw:
            b.account(id=f"gw{g}", port=None, username=auth, auth_id=auth,
                      password=b.secret(f"GW{g}_Password_{n}_", pw), server_ref=ref,
                      register=False, source_key=k, line=keys.line(k))
    if _yes(keys, "VoIP-To-PSTN_Gateway_Enable_1_"):
        acl = keys.get("VoIP_Access_List_1_")
        dp = keys.get("VoIP_Caller_Default_DP_1_")
        auth = keys.get("VoIP_Caller_Auth_Method_1_")
        keys.get("Line_1_VoIP_Caller_DP_1_")
        b.route("ip_to_tel", f"VoIP-To-PSTN_Gateway_Enable=yes; VoIP_Caller_Auth_Method={auth or ''};"
                f" VoIP_Access_List={acl or ''}; VoIP_Caller_Default_DP={dp or ''}",
                match_callee=_plan(keys, dp), match_caller=acl, destination="pstn line",
                line=keys.line("VoIP-To-PSTN_Gateway_Enable_1_"))
        b.indicate("pstn-out-enabled", "VoIP→PSTN gateway enabled (caller authentication "
                   f"{auth or 'unknown'})", key="VoIP-To-PSTN_Gateway_Enable_1_",
                   line=keys.line("VoIP-To-PSTN_Gateway_Enable_1_"))
    if _yes(keys, "One_Stage_Dialing_1_"):
        b.indicate("one-stage-dialing", "one-stage dialling: the VoIP request-URI is dialled "
                   "onto the PSTN line", key="One_Stage_Dialing_1_",
                   line=keys.line("One_Stage_Dialing_1_"))
    if _yes(keys, "PSTN-To-VoIP_Gateway_Enable_1_"):
        dp = keys.get("PSTN_Caller_Default_DP_1_")
        b.route("tel_to_ip", f"PSTN-To-VoIP_Gateway_Enable=yes; PSTN_Caller_Default_DP={dp}",
                match_callee=_plan(keys, dp), destination="voip",
                line=keys.line("PSTN-To-VoIP_Gateway_Enable_1_"))
    for k in ("PSTN_Caller_Auth_Method_1_", "PSTN_Ring_Thru_Line_1_",
              "PSTN_CID_For_VoIP_CID_1_"):
        keys.get(k)


def _management(keys: Keys, b: Builder) -> None:
    for k in ("Profile_Rule", "Profile_Rule_B", "Profile_Rule_C", "Profile_Rule_D"):
        rule = keys.get(k)
        if not rule:
            continue
        opts = re.match(r"^\s*\[([^\]]*)\]\s*", rule)
        url = rule[opts.end():] if opts else rule
        detail = None
        if opts and "--key" in opts.group(1):
            km = re.search(r"--key\s+(\S+)", opts.group(1))
            ref = km.group(1) if km and km.group(1).startswith("$") else "inline"
            detail = f"AES-encrypted profile, key {ref}"
        every = keys.get("Resync_Periodic")
        detail = "; ".join(x for x in (detail, f"resync every {every}s" if every else None) if x)
        b.management("provisioning", url, _yes(keys, "Provision_Enable"), detail or None,
                     keys.line(k))
    if fw := keys.get("Upgrade_Rule"):
        b.management("firmware", fw, _yes(keys, "Upgrade_Enable"), None,
                     keys.line("Upgrade_Rule"))
    if rep := keys.get("Report_Rule"):
        b.management("provisioning", rep, True, "report rule", keys.line("Report_Rule"))
    if (v := _yes(keys, "Enable_WAN_Web_Server")) is not None:
        b.management("web_wan", keys.get("WAN_Web_Server_Port") or "80", v, None,
                     keys.line("Enable_WAN_Web_Server"))
    if (v := _yes(keys, "Enable_Web_Admin_Access")) is not None:
        b.management("web", keys.get("Web_Server_Port") or "80", v, "web admin access",
                     keys.line("Enable_Web_Admin_Access"))
    for k in ("Syslog_Server", "Debug_Server"):
        if v := keys.get(k):
            lvl = keys.get("Debug_Level") if k == "Debug_Server" else None
            b.management("syslog", v, True, f"{k}" + (f" level {lvl}" if lvl else ""),
                         keys.line(k))
    if keys.get("Admin_Passwd"):
        b.management("admin", "admin", True, "Admin_Passwd set", keys.line("Admin_Passwd"))
    if keys.get("User_Password"):
        b.management("admin", "user", True, "User_Password set", keys.line("User_Password"))
    if _yes(keys, "STUN_Enable"):
        b.nat["traversal"] = "stun"
    if v := keys.get("STUN_Server"):
        b.nat["stun_server"] = v
    if v := keys.get("EXT_IP"):
        b.nat["public_ip"] = v
    keys.get("NAT_Keep_Alive_Intvl")
    if login := keys.get("PPPOE_Login_Name"):
        b.secret("PPPOE_Login_Password", keys.get("PPPOE_Login_Password"))
        b.indicate("pppoe-account", f"PPPoE broadband login {login!r} (identifies the "
                   "subscriber line)", key="PPPOE_Login_Name", line=keys.line("PPPOE_Login_Name"))
    keys.get("Connection_Type")
    b.sweep_secrets(keys)


PARSER = FileParser(name="cisco_spa", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=20)
