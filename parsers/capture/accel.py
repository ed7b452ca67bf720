"""The optional compiled fast path of the capture engine (``parsers/capture/_walk.c``).

``pip install`` builds the extension when a C compiler and the Python headers are
there; without it, or with ``GATETRACE_PURE_PYTHON=1`` in the environment, the engine
runs its pure-Python loop.  Both give the same records, counters and warnings: the
compiled walker handles only the frames the Python fast path would handle without
calling out (an in-order RTP packet of a known media flow, a known flow of another
part), with the same integer and floating-point steps, and hands every other frame
back to the Python loop (``tests/test_accel.py`` compares the two on every capture of
the fixtures and the corpus).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from parsers.capture import flows, pcapng
from parsers.protocols import rtp

ENV_DISABLE = "GATETRACE_PURE_PYTHON"
# link types the walker reads (tcpdump.org/linktypes.html): Ethernet (plain, VLAN-tagged,
# PPPoE session), raw IPv4 (12, 14, 101, 228), Linux cooked v1 (113) and v2 (276).  On
# plain Ethernet it takes what the engine's fast path takes; under the other headers
# only in-order RTP of a known media flow.
LINKTYPES = frozenset({1, 12, 14, 101, 113, 228, 276})

try:
    from parsers.capture import _walk
except ImportError:  # not built: the Python loop does the work
    _walk = None
else:
    _walk.configure(rtp._Stream, flows.FlowInfo,
                    (flows.PK, flows.BY, flows.T1, flows.FR1, flows.ST, flows.INFO, flows.SF,
                     flows.SR, flows.SR + 1), flows.S_MEDIA)
    _walk.configure_ng(pcapng._Iface)


def built() -> bool:
    """True when the compiled walker was built and imported."""
    return _walk is not None


def _enabled() -> bool:
    return _walk is not None and os.environ.get(ENV_DISABLE, "") in ("", "0")


def walker() -> Callable[..., Any] | None:
    """The compiled walker, or None (not built, or disabled by ``GATETRACE_PURE_PYTHON``)."""
    return _walk.walk if _enabled() else None


def walker_ng() -> Callable[..., Any] | None:
    """The compiled pcapng walker, or None (as :func:`walker`)."""
    return _walk.walk_ng if _enabled() else None


def describe() -> str:
    """One line for ``--version`` and the run record."""
    if _walk is None:
        return "capture fast path: pure Python (compiled walker not built)"
    if walker() is None:
        return f"capture fast path: pure Python ({ENV_DISABLE} is set)"
    return "capture fast path: compiled"
