"""DBL Technology / Hybertone GoIP GSM gateways and DBL FXO/FXS boxes (syscfg dumps).

Format (notes §3): CRLF text, one ``KEY="value"`` per line (``KEY=value`` accepted); the
auto-config server copy may start with ``type="8goip"`` and end with ``AA=""``.  Key
names: DBL auto-config key lists (dbltek-unofficial/goip-auto-config ``syscfg/*.txt``)
and the GoIP firmware reverse-engineering notes — verified for key names and grammar.

Encrypted copies: the auto-config tool serves the list RC4-encrypted with
``AUTOCFG_KEY`` (standard RC4, key = bytes of the string — verified against the tool's
``Encrypt()``); the web backup is RC4 with ``<password>@dbl`` (single source, medium
confidence).  Candidate keys tried: every examiner key ``k`` (``ctx.keys``) as ``k`` and
``k@dbl``, then ``admin@dbl``.  A candidate is accepted when ≥95 % of the output lines
look like ``KEY=``.  No key → warning ``dbl-rc4-no-key``, nothing is guessed.

Index scheme (4/8-port templates): ``SIP_CONTACT0..N-1`` = line 1..N,
``SIP_CONTACT10..`` = backup server of line 1..N, ``SIP_CONTACT20..`` = groups; ``L<n>_``
and ``LINE<n>_`` are 1-based; FXO boxes use ``O_L<n>_``.  Above 10 ports the pattern is
not the same, so the raw index is kept and only ``i < TELPORT`` is taken as a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from forensics.model.core import Secret
from forensics.model.gateway import GatewayConfig, MediaCrypto, Sms
from parsers.base import FileParser, ParseContext, Source, decode_text
from parsers.gateway_configs._common import (
    Builder,
    Keys,
    entropy,
    head_text,
    read_text,
    safe_sniff,
    to_int,
    truthy,
)

_KV = re.compile(r'^([A-Za-z][A-Za-z0-9_]*)=(?:"(.*)"|(.*))$')
_HALLMARKS = re.compile(
    r"^(TELPORT|ENDPOINT_TYPE|SIP_CONFIG_MODE|SIP_CONTACT\d+_|O?_?L\d+_|RADMIN_|SIP_RC4_KEY"
    r"|SIP_CRYPT|LINE\d+_GSM_IMEI)", re.MULTILINE)
# Magic numbers of other formats: such files are never taken for RC4 ciphertext.
_MAGICS = (b"\x1f\x8b", b"PK\x03\x04", b"7z\xbc\xaf\x27\x1c", b"Salted__", b"%PDF",
           b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",
           b"\x0a\x0d\x0d\x0a", b"MZ", b"\x7fELF", b"SQLite format 3", b"BZh", b"\xfd7zXZ")
_MODELS = {"goip": "GoIP-1", "4goip": "GoIP-4", "8goip": "GoIP-8", "16goip": "GoIP-16",
           "32goip": "GoIP-32", "fxo": "DBL FXO", "2fxo": "DBL FXO-2", "4fxo": "DBL FXO-4",
           "fxs": "DBL FXS", "fxsg": "DBL FXS"}


def rc4(key: bytes, data: bytes) -> bytes:
    """Standard RC4 (the autocfg tool's ``Encrypt()``): symmetric."""
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out = bytearray(len(data))
    i = j = 0
    for n, c in enumerate(data):
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        out[n] = c ^ s[(s[i] + s[j]) & 0xFF]
    return bytes(out)


def _looks_plain(data: bytes, strict: float = 0.95) -> bool:
    lines = [ln.strip() for ln in data.split(b"\n") if ln.strip()]
    if len(lines) > 2:
        lines = lines[:-1]  # the sample may cut the last line
    if not lines:
        return False
    good = sum(1 for ln in lines if re.match(rb"^[A-Za-z0-9_]+=", ln))
    return good >= strict * len(lines)


def _is_ciphertext(head: bytes) -> bool:
    if len(head) < 256 or head.startswith(_MAGICS):
        return False
    return entropy(head[:8192]) >= 7.0


@safe_sniff
def sniff(head: bytes, name: str) -> bool:
    text = head_text(head)
    lines = [ln.strip() for ln in text.splitlines()[:300] if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("#")]
    kv = [ln for ln in lines if _KV.match(ln)]
    if len(kv) >= 5 and len(kv) >= 0.9 * len(lines):
        return len(_HALLMARKS.findall("\n".join(kv))) >= 3
    return _is_ciphertext(head)


def _candidates(ctx: ParseContext) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for n, k in enumerate(ctx.keys, 1):
        out.append((f"examiner key {n}", k.encode("utf-8")))
        out.append((f"examiner key {n} + '@dbl'", (k + "@dbl").encode("utf-8")))
    out.append(("default 'admin@dbl'", b"admin@dbl"))
    return [(label, key) for label, key in out if key]


def parse(src: Source, ctx: ParseContext) -> Iterator[GatewayConfig]:
    text, encoding = read_text(src, ctx)
    fmt = "dbl-kv"
    if _is_ciphertext(src.head):
        data = src.read_all()
        for label, key in _candidates(ctx):
            if _looks_plain(rc4(key, data[:2048])):
                plain = rc4(key, data)
                text, encoding = decode_text(plain)
                fmt = "dbl-kv-rc4"
                ctx.count("rc4-decrypted")
                ctx.warn("dbl-rc4-decrypted", f"RC4-encrypted DBL dump decrypted with {label}")
                break
        else:
            ctx.warn("dbl-rc4-no-key", "high-entropy binary, possibly a DBL RC4-encrypted "
                     f"dump; none of {len(_candidates(ctx))} candidate keys gave a key list "
                     "(supply the AUTOCFG key or admin password as a case key)")
            return
    keys = Keys()
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        m = _KV.match(s)
        if not m:
            if ctx.failed():
                ctx.warn("too-many-consecutive-errors", "giving up on this file", line=no)
                return
            ctx.warn("config-bad-line", f"not a KEY=\"value\" line: {s[:60]!r}", line=no)
            continue
        ctx.succeeded()
        keys.put(m.group(1), m.group(2) if m.group(2) is not None else m.group(3), no, ctx)
    yield _map(keys, ctx, fmt, encoding)


MAX_PORTS = 64  # the largest DBL / GoIP units have 32 lines; more means a damaged file


def _map(keys: Keys, ctx: ParseContext, fmt: str, encoding: str) -> GatewayConfig:
    b = Builder(ctx, "DBL", fmt, encoding)
    nports = to_int(keys.get("TELPORT")) or 0
    if nports > MAX_PORTS:  # a damaged count must not make the port loop run for ever
        ctx.warn("config-bad-line", f"TELPORT={str(nports)[:20]} is not a plausible line count; "
                 f"only lines 1..{MAX_PORTS} are read", line=keys.line("TELPORT"))
        nports = MAX_PORTS
    keys.get("AA")
    typ = (keys.get("type") or "").lower()
    fxo = any(k.startswith("O_L") for k in keys.keys())
    gsm = any(re.match(r"(L\d+_GSM_|LINE\d+_GSM_IMEI)", k) for k in keys.keys())
    b.model = _MODELS.get(typ) or (f"GoIP-{nports}" if gsm else
                                   f"DBL FXO-{nports}" if fxo else None)
    kind = "gsm" if gsm else "fxo" if fxo else "fxs"
    mode = keys.get("SIP_CONFIG_MODE") or "SINGLE_MODE"
    keys.get("ENDPOINT_TYPE")
    # single-mode account (also present, empty, in line-mode dumps)
    ref = None
    for role, k in (("registrar", "SIP_REGISTRAR"), ("proxy", "SIP_PROXY"),
                    ("outbound_proxy", "SIP_OUTBOUND_PROXY"), ("domain", "SIP_HOME_DOMAIN"),
                    ("backup_registrar", "SIP_BACKUP_REGISTRAR"),
                    ("backup_proxy", "SIP_BACKUP_PROXY"),
                    ("backup_outbound_proxy", "SIP_BACKUP_OUTBOUND_PROXY")):
        r = b.server(role, keys.get(k), k, keys.line(k), "udp")
        ref = ref or (r if role in ("registrar", "proxy") else None)
    user = keys.get("SIP_PHONE_NUMBER")
    if user or keys.get("SIP_AUTH_ID"):
        b.account(id="single", port=None, username=user, auth_id=keys.get("SIP_AUTH_ID"),
                  password=b.secret("SIP_AUTH_PASSWD", keys.get("SIP_AUTH_PASSWD")),
                  display_name=keys.get("SIP_DISPLAY_NAME"), server_ref=ref, register=True,
                  source_key="SIP_PHONE_NUMBER", line=keys.line("SIP_PHONE_NUMBER"))
    keys.get("SIP_REGISTER_EXPIRED")
    _contacts(keys, b, nports, mode)
    _trunk(keys, b)
    _lines(keys, b, nports, kind)
    _services(keys, b)
    b.sweep_secrets(keys)
    return b.build(unmapped=keys.unmapped())


def _contacts(keys: Keys, b: Builder, nports: int, mode: str) -> None:
    idx = sorted({int(m.group(1)) for k in keys.keys()
                  if (m := re.match(r"SIP_CONTACT(\d+)_", k))})
    simple = nports <= 10
    for i in idx:
        p = f"SIP_CONTACT{i}_"
        role_sfx, line = "", None
        if simple and 10 <= i < 20:
            role_sfx, line = "backup_", i - 9
        elif (simple and i < 10) or (not simple and i < nports):
            line = i + 1
        ref = None
        for role, sfx in (("registrar", "SERVER"), ("proxy", "PROXY"),
                          ("outbound_proxy", "OUTBOUND_PROXY"), ("domain", "HOME_DOMAIN")):
            r = b.server(role if role == "domain" else role_sfx + role, keys.get(p + sfx),
                         p + sfx, keys.line(p + sfx), "udp")
            ref = ref or (r if role in ("registrar", "proxy") else None)
        user, login = keys.get(p + "DIAL_DIGITS"), keys.get(p + "LOGIN")
        pw = keys.get(p + "PASSWD")
        keys.get(p + "REGISTER_EXPIRED")
        if not (user or login or pw):
            continue
        group = simple and i >= 20
        acc_id = f"group{i - 19}" if group else f"line{line}" if line else f"contact{i}"
        b.account(id=acc_id, port=None if group else line, username=user, auth_id=login,
                  password=b.secret(p + "PASSWD", pw),
                  display_name=keys.get(p + "DISPLAY_NAME"), server_ref=ref,
                  register=mode != "TRUNK_GW_MODE", source_key=p,
                  line=keys.line(p + "DIAL_DIGITS") or keys.line(p + "LOGIN"))
        for pk in (p + "GW_PREFIX", f"SIP_PREFIX_{i}"):
            if pref := keys.get(pk):
                b.route("ip_to_tel", f'{pk}="{pref}"', match_callee=pref,
                        destination=f"line {line}" if line else acc_id, line=keys.line(pk))
        ftype, fnum = keys.get(p + "FORWARD_TYPE"), keys.get(p + "FORWARD_NUMBER")
        if fnum:
            b.route("ip_to_ip", f'{p}FORWARD_TYPE="{ftype or ""}" FORWARD_NUMBER="{fnum}"',
                    destination=fnum, line=keys.line(p + "FORWARD_NUMBER"))
    for k in keys.keys():
        if re.match(r"SIP_LINE\d+_USE_BSVR$|SIP_L\d+_G$", k):
            keys.get(k)


def _trunk(keys: Keys, b: Builder) -> None:
    ref = None
    for n in (1, 2, 3):
        k = f"SIP_TRUNK_GW{n}"
        ref = b.server("trunk_peer", keys.get(k), k, keys.line(k), "udp") or ref
    user = keys.get("SIP_TRUNK_NUMBER")
    if user or keys.get("SIP_TRUNK_AUTH_ID"):
        b.account(id="trunk", port=None, username=user, auth_id=keys.get("SIP_TRUNK_AUTH_ID"),
                  password=b.secret("SIP_TRUNK_AUTH_PASSWD", keys.get("SIP_TRUNK_AUTH_PASSWD")),
                  server_ref=ref, register=True, source_key="SIP_TRUNK_",
                  line=keys.line("SIP_TRUNK_NUMBER"))


def _lines(keys: Keys, b: Builder, nports: int, kind: str) -> None:
    """Per-line ``L<n>_`` / ``O_L<n>_`` / ``LINE<n>_`` keys → ports, routes, SMS links."""
    out_lines: list[int] = []
    imei_lines: list[int] = []
    for n in range(1, nports + 1):
        pre = f"O_L{n}_" if kind == "fxo" else f"L{n}_"
        din, dout = keys.get(pre + "DISABLE_IN"), keys.get(pre + "DISABLE_OUT")
        to_voip = keys.get(f"L{n}_FW_NUM_TO_VOIP")
        imei = keys.get(f"LINE{n}_GSM_IMEI")
        number = keys.get(f"L{n}_GSM_NUMBER")
        acc = f"line{n}" if any(a.id == f"line{n}" for a in b.accounts) else None
        b.port(index=n, kind=kind, raw_index=pre.rstrip("_"), line_number=number,
               inbound_target=to_voip, in_enabled=None if din is None else din != "1",
               out_enabled=None if dout is None else dout != "1", imei=imei,
               account_ref=acc, line=keys.line(pre + "DISABLE_OUT"))
        if number and acc:
            b.accounts = [replace(a, line_number=number) if a.id == acc else a
                          for a in b.accounts]
        if dout == "0":
            out_lines.append(n)
            trust = [v for k in keys.keys() if k.startswith(f"L{n}_VOIP_TRUST_NUM_")
                     and (v := keys.get(k))]
            mode = keys.get(f"L{n}_FW2PSTN_AUTH_MODE")
            fw = keys.get(f"L{n}_FW_NUM_TO_PSTN")
            if trust or fw:
                b.route("ip_to_tel", f"L{n}_FW2PSTN_AUTH_MODE={mode or ''} trusted="
                        f"{','.join(trust)} FW_NUM_TO_PSTN={fw or ''}",
                        match_caller=",".join(trust) or None, destination=fw or f"line {n}",
                        line=keys.line(pre + "DISABLE_OUT"))
        if to_voip:
            b.route("tel_to_ip", f'L{n}_FW_NUM_TO_VOIP="{to_voip}"', destination=to_voip,
                    line=keys.line(f"L{n}_FW_NUM_TO_VOIP"))
        if imei:
            imei_lines.append(n)
        if keys.get(f"L{n}_CALLER_ANONYMOUS") == "1":
            b.indicate("caller-id-hidden", f"caller ID withheld on line {n}",
                       key=f"L{n}_CALLER_ANONYMOUS")
        if srv := keys.get(f"L{n}_SMS_SERVER"):
            s = Sms(server=srv, port=to_int(keys.get(f"L{n}_SMS_PORT")),
                    client_id=keys.get(f"L{n}_SMS_CLI_ID"),
                    password=b.secret(f"L{n}_SMS_CLI_PASSWD", keys.get(f"L{n}_SMS_CLI_PASSWD")))
            if not any((x.server, x.port, x.client_id) == (s.server, s.port, s.client_id)
                       for x in b.sms):
                b.sms.append(s)
        for k in (f"L{n}_P_DIGIT_MAP", f"L{n}_V_DIGIT_MAP", f"L{n}_SMS_SENDER",
                  f"L{n}_GSM_FW_MODE", f"L{n}_SIM_CALL_LIMIT", f"L{n}_FW_TO_PSTN_PASSWD",
                  f"O_L{n}_VOIP_ANSWER_T", f"L{n}_CALLER_ANONYMOUS"):
            keys.get(k)
    pre = "O_L" if kind == "fxo" else "L"
    if out_lines:
        b.indicate("pstn-out-enabled", f"lines {out_lines} accept calls from VoIP to the "
                   f"telephone network ({pre}<n>_DISABLE_OUT=0)", key=f"{pre}<n>_DISABLE_OUT",
                   line=keys.line(f"{pre}{out_lines[0]}_DISABLE_OUT"))
    if imei_lines:
        b.indicate("imei-override", f"IMEI of GSM lines {imei_lines} set by configuration",
                   key="LINE<n>_GSM_IMEI", line=keys.line(f"LINE{imei_lines[0]}_GSM_IMEI"))


def _services(keys: Keys, b: Builder) -> None:
    """Remote management, NAT/relay, obfuscation, VPN and SIM-bank keys."""
    if truthy(keys.get("RADMIN_ENABLE")) or keys.get("RADMIN_SERVER"):
        srv, port = keys.get("RADMIN_SERVER"), keys.get("RADMIN_PORT")
        b.secret("RADMIN_KEY", keys.get("RADMIN_KEY"))
        rid = keys.get("RADMIN_ID")
        b.management("remote_tunnel", f"{srv}:{port}" if srv and port else srv,
                     truthy(keys.get("RADMIN_ENABLE")), f"radmin id {rid}" if rid else None,
                     keys.line("RADMIN_SERVER"))
    url = keys.get("AUTOCFG_SERVER") or keys.get("AUTOCFG_URL")
    on = truthy(keys.get("AUTOCFG") or keys.get("AUTOCFG_ENABLE"))
    if url or on:
        every = keys.get("AUTOCFG_REFRESH") or keys.get("AUTOCFG_INTERVAL")
        b.secret("AUTOCFG_KEY", keys.get("AUTOCFG_KEY"))
        b.management("provisioning", url, on, f"refresh {every}" if every else None,
                     keys.line("AUTOCFG_SERVER") or keys.line("AUTOCFG_URL"))
    if smb := keys.get("SMB_SVR"):
        b.secret("SMB_KEY", keys.get("SMB_KEY"))
        b.management("sim_bank", smb, True, f"id {keys.get('SMB_ID') or ''}".strip(),
                     keys.line("SMB_SVR"))
    keys.get("RMSIM_ENABLE")
    trav = keys.get("SIP_NAT_TRAVERSAL")
    if trav:
        b.nat["traversal"] = trav.lower()
    if stun := keys.get("SIP_STUN_SERVER") or keys.get("MG_STUN_SERVER"):
        b.nat["stun_server"] = stun
    relays = [keys.get(k) for k in ("SIP_RELAY_SERVER", "SIP_RELAY_SERVER1",
                                    "SIP_RELAY_SERVER2", "SIP_RELAY_SERVER3",
                                    "SIP_RELAY_SERVER4", "MG_RELAY_SERVER")]
    rport = to_int(keys.get("SIP_RELAY_PORT"))
    if trav and trav.upper() == "RELAY":
        relays = [r for r in relays if r]
        if relays:
            b.nat["relay_server"] = relays[0]
        for r in dict.fromkeys(relays):
            b.server("relay", r, "SIP_RELAY_SERVER", keys.line("SIP_RELAY_SERVER"),
                     port=rport if ":" not in r else None)
    for k in ("SIP_RELAY_USER", "SIP_RELAY_ENCRYPT", "MG_RELAY_PORT", "MG_NAT_TRAVERSAL",
              "SIP_LOCAL_PORT"):
        keys.get(k)
    sig, med = keys.get("SIP_CRYPT"), keys.get("MG_CRYPT")
    sig = None if not sig or sig.upper() == "NONE" else sig
    med = None if not med or med.upper() == "NONE" else med
    key = b.secret("SIP_RC4_KEY", keys.get("SIP_RC4_KEY"))
    b.secret("MG_RC4_KEY", keys.get("MG_RC4_KEY"))
    b.secret("ECM_CRYPT_KEY", keys.get("ECM_CRYPT_KEY"))
    if sig or med:
        b.media_crypto = MediaCrypto(signalling=sig, rtp=med, key=key if sig else Secret.of(
            keys.get("MG_RC4_KEY")))
    if keys.get("SIP_RANDOM_LC_PORT") == "1":
        b.indicate("random-sip-port", "random local SIP port (evades port-based filtering)",
                   key="SIP_RANDOM_LC_PORT", line=keys.line("SIP_RANDOM_LC_PORT"))
    if truthy(keys.get("PPTP_ENABLE")) or keys.get("PPTP_SERVER_ADDR"):
        if truthy(keys.get("PPTP_ENABLE")) is not False:
            b.vpn("pptp", keys.get("PPTP_SERVER_ADDR"), keys.get("PPTP_SERVER_ID"),
                  b.secret("PPTP_SERVER_PW", keys.get("PPTP_SERVER_PW")),
                  line=keys.line("PPTP_SERVER_ADDR"))
    keys.get("VPN_ENABLE")
    for k in ("ADMIN_PASSWORD", "USER_PASSWORD", "SUPER_PASSWORD"):
        if keys.get(k):
            b.secret(k, keys.get(k))
            b.management("admin", k.split("_")[0].lower(), True, f"{k} set", keys.line(k))
    if port := keys.get("HTTP_PORT"):
        b.management("web", port, True, None, keys.line("HTTP_PORT"))


PARSER = FileParser(name="dbl_goip", version=1, kind="gateway_config", sniff=sniff,
                    parse=parse, priority=80)
