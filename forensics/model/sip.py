"""SIP records: one per SIP message seen in a capture (RFC 3261)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from forensics.model.core import Endpoint, Record


@dataclass(frozen=True, slots=True)
class SdpMedia:
    """One `m=` line of an SDP body, with the connection address that applies."""

    media: str  # "audio", "video", "image"
    ip: str | None  # c= address for this media (media-level, else session-level)
    port: int
    proto: str  # "RTP/AVP", "udptl", ...
    formats: tuple[str, ...]  # payload type numbers / format names
    codecs: tuple[str, ...]  # rtpmap names in order of `formats`, e.g. ("PCMU/8000",)


@dataclass(frozen=True, slots=True, kw_only=True)
class SipMessage(Record):
    """A SIP request or response, with the headers the analysis uses."""

    KIND: ClassVar[str] = "sip.message"
    ts_ns: int  # capture time of the (last) frame that completed the message
    src: Endpoint  # sender, with transport ("udp", "tcp")
    dst: Endpoint  # receiver
    is_request: bool
    method: str | None = None  # request method, upper case
    request_uri: str | None = None
    status: int | None = None  # response status code
    reason: str | None = None  # response reason phrase
    call_id: str | None = None
    cseq_num: int | None = None
    cseq_method: str | None = None
    from_uri: str | None = None
    from_user: str | None = None
    from_display: str | None = None
    from_tag: str | None = None
    to_uri: str | None = None
    to_user: str | None = None
    to_tag: str | None = None
    contact_uri: str | None = None
    contact_user: str | None = None
    contact_expires: int | None = None  # expires= parameter on the Contact
    expires: int | None = None  # Expires header
    via_branch: str | None = None  # branch of the top Via
    via_sent_by: str | None = None  # sent-by of the top Via ("host:port")
    user_agent: str | None = None
    server: str | None = None
    auth_username: str | None = None  # Authorization / Proxy-Authorization username
    auth_realm: str | None = None
    challenge_realm: str | None = None  # WWW-/Proxy-Authenticate realm (401/407)
    pai: str | None = None  # P-Asserted-Identity (raw)
    ppi: str | None = None  # P-Preferred-Identity (raw)
    rpid: str | None = None  # Remote-Party-ID (raw)
    diversion: str | None = None  # Diversion (raw, first)
    content_type: str | None = None
    content_length: int | None = None
    sdp: tuple[SdpMedia, ...] = ()
    frames: tuple[int, ...] = ()  # every frame that carried part of this message

    @property
    def transport(self) -> str:
        return self.src.transport or "udp"
