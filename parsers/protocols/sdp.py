"""SDP bodies (RFC 4566 / RFC 8866): connection addresses, media lines and rtpmaps.

Only what ties media to a call is kept: for each ``m=`` line the media type, port,
transport protocol, formats, the applicable ``c=`` address (media level, else session
level) and the codec names from ``a=rtpmap`` (static RTP/AVP payload types of
RFC 3551 are named when no rtpmap is given).
"""

from __future__ import annotations

from forensics.model.sip import SdpMedia

STATIC_PT = {
    "0": "PCMU/8000", "3": "GSM/8000", "4": "G723/8000", "5": "DVI4/8000", "6": "DVI4/16000",
    "7": "LPC/8000", "8": "PCMA/8000", "9": "G722/8000", "10": "L16/44100", "11": "L16/44100",
    "12": "QCELP/8000", "13": "CN/8000", "14": "MPA/90000", "15": "G728/8000",
    "16": "DVI4/11025", "17": "DVI4/22050", "18": "G729/8000", "25": "CelB/90000",
    "26": "JPEG/90000", "28": "nv/90000", "31": "H261/90000", "32": "MPV/90000",
    "33": "MP2T/90000", "34": "H263/90000",
}

_KEPT = frozenset(("a=", "c=", "m="))  # the line types read; all others are skipped


def parse(text: str) -> tuple[SdpMedia, ...]:
    """Media descriptions of an SDP body; tolerant of LF-only line ends and junk lines."""
    session_c: str | None = None
    # one list per m= line: [media, port, proto, formats, c= address, rtpmap]
    media: list[list] = []
    cur: list | None = None  # the last m= line so far
    for raw in text.splitlines():
        kind = raw[:2]
        if kind in _KEPT:
            # starts with a letter: strip() can only take whitespace off the end
            line = raw.strip()
        elif raw[:1].isspace():
            line = raw.strip()
            kind = line[:2]
        else:
            # any other line: stripping would not make it start with a kept "x="
            continue
        if kind == "a=":
            if cur is not None and line.startswith("rtpmap:", 2):
                pt, _, enc = line[9:].partition(" ")
                cur[5][pt.strip()] = enc.strip()
        elif kind == "c=":
            parts = line[2:].split()
            addr = parts[2].partition("/")[0] if len(parts) >= 3 else None
            if cur is not None:
                cur[4] = addr
            else:
                session_c = addr
        elif kind == "m=":
            parts = line[2:].split()
            if len(parts) < 3:
                continue
            port_s = parts[1].partition("/")[0]
            if not port_s.isdecimal():
                continue
            cur = [parts[0], int(port_s), parts[2], tuple(parts[3:]), None, {}]
            media.append(cur)
    out = []
    for m_type, port, proto, fmts, c_addr, rtpmap in media:
        if "RTP" in proto:
            get = rtpmap.get
            codecs = tuple([get(f) or STATIC_PT.get(f, f) for f in fmts])
        else:
            codecs = ()
        out.append(SdpMedia(media=m_type, ip=c_addr or session_c, port=port, proto=proto,
                            formats=fmts, codecs=codecs))
    return tuple(out)
