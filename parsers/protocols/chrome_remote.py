"""Chrome Remote Desktop (chromoting): names only.

CRD is WebRTC (ICE/STUN/TURN, DTLS-SRTP/SCTP) with signalling over HTTPS to Google;
there is no CRD-specific byte pattern, so detection rests on DNS/SNI names from the
Chromium remoting sources and Google's documentation:
``remotedesktop.google.com``, ``remotedesktop-pa.googleapis.com``,
``chromoting-host.talkgadget.google.com`` (suffix ``talkgadget.google.com``).
The client's address is in the host's event log (event 4), not here.
"""

from __future__ import annotations

from parsers.base import Protocol

NAME = "chrome_remote"

PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="remote",
    names=("remotedesktop.google.com", "remotedesktop-pa.googleapis.com", "talkgadget.google.com"),
    name_confidence="medium",
)
