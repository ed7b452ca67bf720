"""Disk images as evidence: raw/dd, split raw and EWF (E01/Ex01), scanned read-only.

``CONTAINERS`` lists the image containers in sniff order (EWF first: its magic is
exact; raw recognises partition tables and boot sectors).
"""

from parsers.images import ewf, raw

CONTAINERS = (ewf.CONTAINER, raw.CONTAINER)
