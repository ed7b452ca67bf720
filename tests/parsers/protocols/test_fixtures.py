"""The committed fixture captures are exactly what make_fixtures.py writes."""

import importlib.util

from _proto_walk import FIXTURES


def test_generator_reproduces_committed_fixtures(tmp_path):
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    written = mod.write(tmp_path)
    assert len(written) == 21
    for path in written:
        assert path.read_bytes() == (FIXTURES / path.name).read_bytes(), path.name
