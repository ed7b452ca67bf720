"""Evidence intake: walk, hash, open read-only, and re-hash at the end of the run.

Every file is hashed (SHA-256, size) before any parser sees it.  Files are only ever
opened with ``O_RDONLY``; nothing is written next to evidence.  Ids (``E1`` …) follow
manifest order, and folders are walked in sorted order, so ids are stable.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from forensics.manifest import Manifest
from forensics.model.core import Evidence

HASH_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """Streaming SHA-256 and size of a file opened read-only."""
    h = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb", buffering=0) as fh:
        while True:
            chunk = fh.read(HASH_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            h.update(chunk)
    return h.hexdigest(), size


def _walk(root: Path, rel: str) -> Iterator[tuple[str, Path]]:
    p = root / rel
    if p.is_file():
        yield rel, p
        return
    for dirpath, dirnames, filenames in os.walk(p):
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath) / name
            if full.is_symlink():
                continue  # a link inside evidence could point anywhere; not followed
            if full.name in ("case.yaml", "case.yml") and full.parent == root:
                continue
            yield os.path.relpath(full, root), full


def intake(manifest: Manifest) -> list[Evidence]:
    """Hash every evidence file the manifest names, in manifest order."""
    out: list[Evidence] = []
    seen: set[Path] = set()
    for decl in manifest.evidence:
        for rel, full in _walk(manifest.root, decl.path):
            real = full.resolve()
            if real in seen:
                continue
            seen.add(real)
            try:
                digest, size = sha256_file(full)
            except OSError as exc:
                ev = Evidence(id=f"E{len(out) + 1}", path=rel, abs_path=str(full), sha256="0" * 64,
                              size=0, status="error", device=decl.device)
                from forensics.model.core import ParseWarning

                ev.warnings.append(ParseWarning(code="evidence-unreadable",
                                                message=f"{rel}: cannot be read ({exc.strerror})",
                                                evidence=ev.id))
                out.append(ev)
                continue
            ev = Evidence(id=f"E{len(out) + 1}", path=rel, abs_path=str(full), sha256=digest,
                          size=size, device=decl.device)
            if decl.role in ("complaints", "carrier_records"):
                ev.kind = decl.role
            out.append(ev)
    return out


def rehash(evidence: list[Evidence]) -> list[Evidence]:
    """Hash the evidence files again; return the ones that changed or vanished."""
    bad = []
    for ev in evidence:
        if ev.parent is not None or ev.status == "error" and ev.sha256 == "0" * 64:
            ev.rehash_ok = None if ev.parent is not None else ev.rehash_ok
            continue
        try:
            digest, _size = sha256_file(ev.abs_path)
        except OSError:
            ev.rehash_ok = False
            bad.append(ev)
            continue
        ev.rehash_ok = digest == ev.sha256
        if not ev.rehash_ok:
            bad.append(ev)
    return bad
