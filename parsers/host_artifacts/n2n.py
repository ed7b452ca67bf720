"""n2n edge configurations: ``edge.conf`` (one option per line, ``-c=``, ``-k=``,
``-a=``, ``-l=``) and ``edge`` command lines in batch files or service definitions.

Source: ntop/n2n ``edge`` usage and ``packages/etc/n2n/edge.conf.sample`` (``-c``
community, ``-k`` encryption key, ``-a`` tunnel address, ``-l`` supernode
``host:port``, ``-d`` tap device, ``-H`` header encryption), as summarised in
``shared/spec/remote-tunnel-signatures.md`` §B10.  Fixtures:
``tests/fixtures/host_artifacts/n2n/``.

The supernode(s) are the peers (UDP); the community name is the name of the
operator's overlay network and goes into ``detail``; the key is a secret.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from forensics.model.core import Record
from forensics.model.remote import TunnelConfig, TunnelPeer
from parsers.base import FileParser, ParseContext, Source, WrongFormat
from parsers.host_artifacts._common import SecretBag, head_text, read_text, split_hostport

NAME = "n2n"
CONF_OPT = re.compile(r"^\s*-(?P<o>[a-zA-Z])(?:[=\s]+(?P<v>.*?))?\s*$")
CMD = re.compile(r"(?i)\bedge(?:\.exe)?\b.*\s-l[=\s]+\S+:\d+")
SUPERNODE = re.compile(r"(?m)^\s*-l[=\s]+\S+:\d+\s*$")


def sniff(head: bytes, name: str) -> bool:
    try:
        text = head_text(head)
        return bool(SUPERNODE.search(text) and re.search(r"(?m)^\s*-c[=\s]+\S+", text)) or bool(CMD.search(text))
    except Exception:
        return False


def _options(text: str) -> list[tuple[str, str, int]]:
    opts = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith("#"):
            continue
        m = CONF_OPT.match(line)
        if m:
            opts.append((m.group("o"), (m.group("v") or "").strip(), n))
        elif CMD.search(line):
            try:
                words = shlex.split(line, posix=False)
            except ValueError:
                words = line.split()
            i = 0
            while i < len(words):
                w = words[i]
                if re.fullmatch(r"-[a-zA-Z]", w):
                    nxt = words[i + 1] if i + 1 < len(words) and not words[i + 1].startswith("-") else ""
                    opts.append((w[1], nxt.strip('"'), n))
                    i += 2 if nxt else 1
                    continue
                if m2 := re.fullmatch(r"-([a-zA-Z])=(.*)", w):
                    opts.append((m2.group(1), m2.group(2).strip('"'), n))
                i += 1
    return opts


def parse(src: Source, ctx: ParseContext) -> Iterator[Record]:
    text = read_text(src, ctx)
    opts = _options(text)
    if not any(o == "l" for o, _, _ in opts):
        raise WrongFormat("no supernode option")
    bag = SecretBag()
    detail: list[tuple[str, str]] = []
    peers: list[TunnelPeer] = []
    for o, v, n in opts:
        if o == "l":
            host, port = split_hostport(v)
            if port is None:
                ctx.warn("n2n-bad-supernode", f"supernode without port: {v!r}", line=n)
            peers.append(TunnelPeer(host=host, port=port, transport="udp", name="supernode",
                                    detail=(("line", str(n)),)))
        elif o == "k":
            bag.add("key", v)
        elif o in "caHAdm":
            label = {"c": "community", "a": "address", "H": "header_encryption", "A": "cipher",
                     "d": "device", "m": "mac"}[o]
            detail.append((label, v or "yes"))
    first = min(n for o, _, n in opts if o == "l")
    yield TunnelConfig(prov=ctx.prov(line=first), protocol=NAME, peers=tuple(peers),
                       detail=tuple(detail), **bag.fields())


PARSER = FileParser(name="n2n", version=1, kind="host_artifact", sniff=sniff, parse=parse)
