"""``canonical.dumps`` writes exactly ``json.dumps(indent=2, sort_keys=True,
ensure_ascii=False) + "\\n"``: byte for byte on real findings and on generated values,
and the same error where json.dumps raises one.

``_fast_dumps`` (the encoder without the json.dumps fallback) is checked as well, so a
slip of the fast path cannot hide behind the fallback.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensics.report import canonical
from forensics.report.canonical import dumps

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tests" / "fixtures" / "demo-case" / "case.yaml"
TWO_DENS = ROOT / "tests" / "fixtures" / "two-dens" / "case.yaml"
JSON_FILES = sorted(p for folder in ("fixtures", "golden") for p in (ROOT / "tests" / folder).rglob("*.json"))

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def reference(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def check(value: object) -> None:
    want = reference(value)
    assert canonical._fast_dumps(value) == want
    assert dumps(value) == want


def raised(fn, value):
    try:
        fn(value)
    except Exception as exc:  # noqa: BLE001 - the exception itself is compared
        return type(exc), str(exc)
    raise AssertionError("no exception")


# -- real findings ----------------------------------------------------------------------


def test_there_are_json_fixtures():
    assert any(p.name == "sample_findings.json" for p in JSON_FILES)


def _json_documents() -> list[tuple[Path, object]]:
    out = []
    for path in JSON_FILES:
        try:
            out.append((path, json.loads(path.read_text(encoding="utf-8"))))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # a malformed-input fixture, not a JSON document
    return out


JSON_DOCUMENTS = _json_documents()


def test_most_json_fixtures_are_documents():
    assert len(JSON_DOCUMENTS) >= len(JSON_FILES) - 2


@pytest.mark.parametrize("path,value", JSON_DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)) if isinstance(p, Path) else "")
def test_json_fixture(path: Path, value: object):
    check(value)


@pytest.mark.parametrize("case", [DEMO, TWO_DENS], ids=["demo-case", "two-dens"])
def test_case_findings(case: Path, monkeypatch):
    from forensics.pipeline import analyze

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1723939200")
    check(analyze(case))


def test_many_calls_cross_the_flush_threshold():
    f = json.loads((ROOT / "tests" / "fixtures" / "report" / "sample_findings.json").read_text(encoding="utf-8"))
    base = f["calls"]
    f["calls"] = []
    for i in range(1500):
        c = copy.deepcopy(base[i % len(base)])
        c["call_id"] = f"{i:05d}-{c.get('call_id')}"
        c["duration"] = i / 7 if i % 3 else None
        c["extra"] = {} if i % 2 else {"n": [i, -i, float(i)], "tags": ()}
        f["calls"].append(c)
    check(f)


# -- values ---------------------------------------------------------------------------------

HOSTILE = [
    "", '"', "\\", '\\"', "'", "/", "\x00", "\x01\x02\x1f", "\x7f", "\t\n\r\b\f",
    "\u2028\u2029", "\ufeff", "\ufffd", "😀👩‍💻", "中文测试：北京市", "Ελληνικά", "עברית",
    "%", "%s", "%%", "%(x)s", "%d %r", "{}", "[]", "}\x00{", "a\x00b", "]],{{",
    "x" * 10_000, "é" * 3,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings(text: str):
    check(text)
    check([text, {"k": text}])
    check({text: text, "x" + text: [text, text], text + "y": {text: None}})
    check([{text: 1, "a": text}, {text: 2, "a": [text]}, {text: 3, "a": {}}])


def test_controls_are_escaped_exactly():
    text = "".join(map(chr, range(0x20))) + '"\\'
    check({"all": text, text: text})


@pytest.mark.parametrize("value", [
    0, -1, 1, 10**40, -(10**40), True, False, None,
    0.0, -0.0, 1e-7, 1e16, 1e22, 0.1, 1.5, -2.5, 5e-324, 1.7976931348623157e308,
    math.inf, -math.inf, math.nan,
    {}, [], (), [[]], [{}], {"a": {}}, {"a": []}, [[], {}, ()], (1, "a", None),
    {"b": 1, "a": 2, "c": {"z": [], "y": {}}},
])
def test_scalars_and_empties(value):
    check(value)
    check({"v": value, "l": [value, value]})


class Num(int):
    def __repr__(self) -> str:
        return "not a number"


class Real(float):
    def __repr__(self) -> str:
        return "not a float"


class Text(str):
    pass


class Mapping(dict):
    pass


class Seq(list):
    pass


def test_subclasses_follow_json():
    check({"n": Num(5), "f": Real(1.5), "t": Text("x\n"), "nan": Real("nan")})
    check(Mapping(b=Seq([Num(1), Mapping()]), a=Seq()))
    check([Seq([1, 2]), Mapping(a=1), Text("z"), (Seq(), Mapping())])
    check({Text("k"): 1, "j": Text("v")})


@pytest.mark.parametrize("value", [
    {1: "a", 2: "b", 10: "c"},
    {1.5: "x", 2: "y", -3: "z"},
    {True: 1, 2: 2, 0.5: 3},
    {None: 1},
    {False: [1], True: {"x": None}},
    {math.inf: 1, -math.inf: 2, 0.0: 3},
    {math.nan: 1},
    {Num(3): "n", Num(1): "m"},
])
def test_non_string_keys_are_coerced_like_json(value):
    check(value)
    check([value, {"inner": value}])


@pytest.mark.parametrize("value", [
    {1, 2},
    {"a": {1}},
    [object()],
    {"a": [1, b"bytes"]},
    {"a": 1, 2: "b"},  # unsortable keys
    {None: 1, "a": 2},
    {(1, 2): "tuple key"},
    {"a": {"b": [1, 2, {"c": frozenset()}]}},
    complex(1, 2),
    b"x",
])
def test_unsupported_values_raise_like_json(value):
    expected = raised(reference, value)
    assert expected[0] is TypeError
    assert raised(dumps, value) == expected


def test_circular_reference_raises_like_json():
    loop: list = [1]
    loop.append({"again": loop})
    expected = raised(reference, loop)
    assert expected[0] is ValueError
    assert raised(dumps, loop) == expected


def test_pure_python_scalar_path(monkeypatch):
    monkeypatch.setattr(canonical, "_scalar_encoder", None)
    check({"a": [1, 2.5, None, True, "x\u2028", math.nan], "b": {"c": "%s"}})


# -- generated values -------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
KEYS = st.one_of(TEXT, st.sampled_from(["id", "a", "b", "%s", "%", "", "é", "中", "\x00", "\"", "\\"]))
FLOATS = st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0.0, 1e-7, 1e16, 1e22]))
INTS = st.one_of(st.integers(), st.integers(min_value=10**20, max_value=10**60), st.sampled_from([-(10**50), 2**63]))
SCALARS = st.one_of(st.none(), st.booleans(), INTS, FLOATS, TEXT)


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=6),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(KEYS, children, max_size=6),
    )


VALUES = st.recursive(SCALARS, _containers, max_leaves=40)
CELLS = st.recursive(SCALARS, _containers, max_leaves=6)


@st.composite
def same_shape_rows(draw):
    """Lists of dicts with one key set (the shape findings rows have), values of any type."""
    keys = draw(st.lists(KEYS, min_size=1, max_size=6, unique=True))
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row = {k: draw(CELLS) for k in keys}
        if draw(st.booleans()):
            row = dict(reversed(list(row.items())))
        rows.append(row)
    return {"rows": rows, "nested": [{"rows": rows}], "meta": draw(CELLS)}


@SETTINGS
@given(VALUES)
def test_property_any_value(value):
    check(value)


@SETTINGS
@given(same_shape_rows())
def test_property_rows_of_one_shape(value):
    check(value)


@SETTINGS
@given(st.one_of(VALUES, same_shape_rows()), st.integers(0, 5))
def test_property_with_tiny_flushes(value, flush_at):
    old = canonical._FLUSH_AT
    canonical._FLUSH_AT = flush_at
    try:
        check(value)
    finally:
        canonical._FLUSH_AT = old
