"""ngrok tunnels: names only.

The agent talks TLS to the ngrok service on TCP 443, so detection rests on DNS/SNI
names: agent endpoints (``connect.ngrok-agent.com`` v3, ``tunnel.<region>.ngrok.com``
v2; unverified) and public endpoint domains (ET sids 2022641/2022642,
2049049-2049063, 2059169): ``ngrok.io``, ``ngrok.app``, ``ngrok-free.app``,
``ngrok.dev``, ``ngrok-free.dev``, ``ngrok.pizza``, ``ngrok.pro``.
The account behind it is in the agent's ``ngrok.yml`` (authtoken), not here.
"""

from __future__ import annotations

from parsers.base import Protocol

NAME = "ngrok"

PROTOCOL = Protocol(
    name=NAME,
    version=1,
    category="tunnel",
    names=("ngrok.com", "ngrok-agent.com", "ngrok.io", "ngrok.app", "ngrok-free.app", "ngrok.dev",
           "ngrok-free.dev", "ngrok.pizza", "ngrok.pro"),
    name_confidence="medium",
)
