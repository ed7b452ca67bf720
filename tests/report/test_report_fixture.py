"""The sample findings used by the report tests obey the findings contract."""

from __future__ import annotations

import jsonschema


def test_sample_validates_against_schema(findings, schema):
    jsonschema.validate(findings, schema)


def test_sample_covers_what_the_report_shows(findings):
    assert {d["id"] for d in findings["devices"]} == {"GW-1", "GW-2", "LT-1"}
    assert sum(d["kind"] == "voip_gateway" for d in findings["devices"]) == 2
    assert {o["country"] for o in findings["operators"] if o["overseas"]} == {
        "US", "KH", "PH", "DE", "MM", "HK"}
    assert {ll["region"] for ll in findings["landlines"]} == {"湖南省湘潭市", "广东省深圳市"}
    assert len(findings["calls"]) == 9
    assert findings["complaints"] and findings["links"] and findings["warnings"]


def test_empty_findings_validate(empty_findings, schema):
    jsonschema.validate(empty_findings, schema)
