"""The HTML court report: escaping, sections, languages, times, determinism."""

from __future__ import annotations

import re

import pytest

from forensics.report import charts, html
from forensics.report.i18n import LABELS, label
from forensics.report.html import render_html

SECTION_IDS = ("sec_case", "sec_method", "sec_evidence", "sec_summary", "sec_landlines",
               "sec_operators", "sec_registrations", "sec_calls", "sec_remote",
               "sec_links", "sec_complaints", "sec_warnings", "sec_appendix")
# Sections that list findings and must say "none found" when there are none.
LIST_SECTIONS = ("sec_evidence", "sec_summary", "sec_landlines", "sec_operators",
                 "sec_registrations", "sec_calls", "sec_remote", "sec_links",
                 "sec_complaints", "sec_warnings", "sec_appendix")


def sections(doc: str) -> dict[str, str]:
    """Section id → its HTML, split on the <section id=...> tags."""
    parts = re.split(r'<section id="([a-z_]+)"', doc)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.fixture(scope="module")
def docs():
    from pathlib import Path
    import json

    sample = Path(__file__).resolve().parents[1] / "fixtures" / "report" / "sample_findings.json"
    f = json.loads(sample.read_text(encoding="utf-8"))
    return {lang: render_html(f, lang=lang, findings_sha256="ab" * 32) for lang in ("en", "zh")}


def test_hostile_user_agent_is_text_not_markup(docs):
    for doc in docs.values():
        assert "<script>" not in doc
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
        # the warning message with markup in it is escaped too
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in doc


def test_hostile_case_id_cannot_break_out_of_css(findings):
    findings["case"]["id"] = 'X"; } body { display:none } </style><script>alert(3)</script>'
    doc = render_html(findings)
    style = doc[doc.index("<style>"): doc.index("</style>") + 8]
    assert "<script>" not in doc
    assert style.count("</style>") == 1
    assert "alert(3)" not in style.replace("alert3", "")  # parentheses and quotes dropped
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in doc


def test_every_section_present_in_both_languages_in_order(docs):
    for lang, doc in docs.items():
        positions = [doc.index(f'<section id="{sid}"') for sid in SECTION_IDS]
        assert positions == sorted(positions), lang
        for sid in SECTION_IDS:
            assert label(sid, lang) in sections(doc)[sid], (lang, sid)


def test_chinese_labels_in_zh_and_none_left_in_english(docs):
    zh = docs["zh"]
    for word in ("案件编号", "检验人", "证据清单", "设备汇总", "固定电话线路", "境外操控者",
                 "通话记录（话单）", "远程控制与隧道", "被害人报案", "附录"):
        assert word in zh, word
    assert '<html lang="zh-CN">' in zh
    # every section heading is the Chinese one, none of the English headings remain
    for sid in SECTION_IDS:
        assert LABELS[sid]["en"] not in zh
    en = docs["en"]
    assert "证据清单" not in en and "Evidence inventory" in en


def test_country_names_localised(docs):
    assert "柬埔寨" in docs["zh"] and "中国香港" in docs["zh"] and "菲律宾" in docs["zh"]
    assert "Cambodia" in docs["en"] and "Hong Kong" in docs["en"]
    assert "Cambodia" not in sections(docs["zh"])["sec_operators"]


def test_times_in_case_zone_with_offset(docs):
    # call 1 started 01:15:02.123456 UTC = 09:15:02 in Asia/Shanghai
    calls = sections(docs["en"])["sec_calls"]
    assert '<span class="dt">2024-08-24 09:15:02</span> <span class="tzo">(UTC+08:00)</span>' in calls
    assert "01:15:02" not in calls


def test_explicit_tz_overrides_case_zone(findings):
    doc = render_html(findings, tz="Europe/Berlin")
    assert '<span class="dt">2024-08-24 03:15:02</span> <span class="tzo">(UTC+02:00)</span>' in doc
    assert "Europe/Berlin" in doc


def test_unknown_tz_falls_back_to_utc(findings):
    doc = render_html(findings, tz="Mars/Olympus_Mons")
    assert '<span class="dt">2024-08-24 01:15:02</span> <span class="tzo">(UTC+00:00)</span>' in doc


def test_long_values_shortened_in_html_only(findings, docs):
    long_contact = findings["sip_registrations"][2]["contact"]
    assert len(long_contact) > 200
    assert long_contact not in docs["en"]
    shortened = long_contact[:199].replace("<", "&lt;").replace(">", "&gt;") + "…"
    assert shortened in docs["en"]


def test_summary_per_device(docs):
    summ = sections(docs["en"])["sec_summary"]
    gw1 = summ[summ.index("<strong>GW-1</strong>"): summ.index("<strong>GW-2</strong>")]
    assert "0731-5555 1234" in gw1 and "0731-5555 1235" in gw1
    assert "United States" in gw1 and "SIP registrar" in gw1 and "Germany" in gw1
    assert "6 (4)" in gw1
    assert "China" not in gw1  # 192.0.2.10 is domestic: not an overseas operator


def test_complaint_totals(docs):
    en = sections(docs["en"])["sec_complaints"]
    assert "4 complaints, total amount 187,999.50; 3 linked to calls in the evidence." in en
    zh = sections(docs["zh"])["sec_complaints"]
    assert "共 4 起报案，涉案金额合计 187,999.50" in zh
    # linked call ids become links to the CDR rows
    assert '<a class="ref" href="#CALL-4">CALL-4</a>' in en


def test_appendix_cites_evidence_hash_path_and_frames(findings, docs):
    app = sections(docs["en"])["sec_appendix"]
    sha12 = findings["evidence"][0]["sha256"][:12]
    assert 'id="src-CALL-1"' in app
    assert sha12 in app and "evidence/den-a/router-lan.pcapng" in app
    assert "<code>frame.number == 1201</code>" in app
    assert "frame.number &gt;= 12 &amp;&amp; frame.number &lt;= 47990" in app
    assert "line 1402" in app
    # every finding with sources has a row
    n = sum(len(findings[k]) for k in html.REF_PREFIX)
    assert app.count('<tr id="src-') == n


def test_rehash_status_shown(docs):
    ev = sections(docs["en"])["sec_evidence"]
    assert '<span class="bad">CHANGED</span>' in ev
    assert '<span class="bad">MISSING</span>' in ev
    assert "not checked" in ev  # E7 has no rehash field


def test_empty_findings_every_section_says_none_found(empty_findings):
    for lang in ("en", "zh"):
        doc = render_html(empty_findings, lang=lang)
        secs = sections(doc)
        for sid in LIST_SECTIONS:
            assert label("none_found", lang) in secs[sid], (lang, sid)
        assert "<img" not in doc  # nothing to chart


def test_render_is_deterministic_including_charts(findings, docs):
    again = render_html(findings, lang="zh", findings_sha256="ab" * 32)
    assert again == docs["zh"]
    assert docs["zh"].count("data:image/svg+xml;base64,") == 3


def test_self_contained(docs):
    doc = docs["en"]
    assert not re.search(r'(src|href)="(https?:)?//', doc)
    assert "<link" not in doc and "@import" not in doc
    assert "@page" in doc and "counter(pages)" in doc and "table-header-group" in doc


def test_charts_omitted_with_note_when_unavailable(findings, monkeypatch):
    monkeypatch.setattr(charts, "available", lambda: False)
    doc = render_html(findings, lang="zh")
    assert "<img" not in doc
    assert label("charts_missing", "zh") in doc


def test_unsupported_language_rejected(findings):
    with pytest.raises(ValueError):
        render_html(findings, lang="fr")
