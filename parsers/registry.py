"""THE list of what gatetrace can read.  Order is sniff order.

Every format family keeps its own tuple next to its modules (one line per parser
there); this file is the single place the pipeline takes them from.  Nothing is
discovered automatically and nothing registers itself on import.
"""

from __future__ import annotations

from parsers import containers, gateway_configs, host_artifacts, images, protocols
from parsers.base import Container, FileParser, Protocol

# Archives and images first: their members are evidence in their own right.
CONTAINERS: tuple[Container, ...] = (*containers.CONTAINERS, *images.CONTAINERS)

# Whole-file parsers, most specific first; generic fallbacks carry priority ≥ 90.
FILE_PARSERS: tuple[FileParser, ...] = tuple(
    sorted((*gateway_configs.PARSERS, *host_artifacts.PARSERS), key=lambda p: p.priority)
)

# Network detectors run by the capture engine (strong payload signatures first).
DETECTORS: tuple[Protocol, ...] = tuple(protocols.DETECTORS)
