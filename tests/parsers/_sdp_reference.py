# Frozen copy of parsers/protocols/sdp.py as it was before the speed work.
# The equivalence tests compare the current parser against it: do not edit
# (only its imports differ from the original).
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


def parse(text: str) -> tuple[SdpMedia, ...]:
    """Media descriptions of an SDP body; tolerant of LF-only line ends and junk lines."""
    session_c: str | None = None
    media: list[dict] = []
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        t, v = line[0], line[2:]
        if t == "c":
            parts = v.split()
            addr = parts[2].split("/")[0] if len(parts) >= 3 else None
            if media:
                media[-1]["c"] = addr
            else:
                session_c = addr
        elif t == "m":
            parts = v.split()
            if len(parts) < 3:
                continue
            port_s = parts[1].split("/")[0]
            if not port_s.isdecimal():
                continue
            media.append({"m": parts[0], "port": int(port_s), "proto": parts[2],
                          "fmts": tuple(parts[3:]), "c": None, "map": {}})
        elif t == "a" and media and v.startswith("rtpmap:"):
            pt, _, enc = v[7:].partition(" ")
            media[-1]["map"][pt.strip()] = enc.strip()
    out = []
    for m in media:
        codecs = tuple(m["map"].get(f) or STATIC_PT.get(f, f) for f in m["fmts"]) if "RTP" in m["proto"] else ()
        out.append(SdpMedia(media=m["m"], ip=m["c"] or session_c, port=m["port"], proto=m["proto"],
                            formats=m["fmts"], codecs=codecs))
    return tuple(out)
