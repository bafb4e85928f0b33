import datetime as dt
import json

from mergegate.core.findings import ScannerError, Severity
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.core.render import render_markdown, render_text
from mergegate.core.report import finding_from_dict, finding_to_dict, render_json
from mergegate.core.sarif import verdict_to_sarif
from mergegate.core.verdict import Dismissal, evaluate

from .factories import make_finding, make_vuln

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def sample_verdict():  # type: ignore[no-untyped-def]
    sqli = make_finding()
    low = make_finding(severity=Severity.LOW, content="x", path="b.py", line=3)
    dismissed = make_finding(content="y", path="c.py")
    d = Dismissal(dismissed.fingerprint, "test-code", "alice", NOW, comment="fixture")
    return evaluate([sqli, low, dismissed, make_vuln()], DEFAULT_POLICY, [d], now=NOW,
                    errors=[ScannerError("licenses", "deps.dev unreachable")])


def test_text_groups_by_scanner_and_colours_only_when_asked() -> None:
    v = sample_verdict()
    plain = render_text(v, colour=False)
    assert "\x1b[" not in plain
    assert plain.index("sast (3)") < plain.index("dependencies (1)")
    assert "dismissed (test-code by alice)" in plain
    assert "error: licenses: deps.dev unreachable" in plain
    assert plain.rstrip().endswith("FAILURE: 2 blocking findings; 4 findings in all; 1 dismissed; 1 scanner error")
    assert "\x1b[1;31m" in render_text(v, colour=True)


def test_json_report_keeps_the_contract() -> None:
    v = sample_verdict()
    report = json.loads(render_json(v))
    assert set(report) >= {"tool", "verdict", "policy", "findings", "errors"}
    assert report["tool"]["name"] == "mergegate"
    assert report["verdict"] == {"conclusion": "failure", "blocking": 2,
                                 "summary": v.summary}
    f = next(x for x in report["findings"] if x["scanner"] == "sast" and x["blocking"])
    assert set(f) == {"id", "fingerprint", "scanner", "rule", "severity", "title", "message",
                      "path", "line", "end_line", "new", "blocking", "dismissed", "fix", "cwe",
                      "references"}
    assert f["id"] == "mg-" + f["fingerprint"][:8] and len(f["fingerprint"]) == 64
    dep = next(x for x in report["findings"] if x["scanner"] == "dependencies")
    assert dep["package"] == {"ecosystem": "PyPI", "name": "django", "version": "3.2.0"}
    dis = next(x for x in report["findings"] if x["dismissed"])
    assert dis["dismissed"]["by"] == "alice" and dis["dismissed"]["reason"] == "test-code"
    assert report["errors"] == [{"scanner": "licenses", "message": "deps.dev unreachable"}]


def test_finding_codec_round_trips() -> None:
    for f in (make_finding(), make_vuln()):
        assert finding_from_dict(json.loads(json.dumps(finding_to_dict(f)))) == f


def test_markdown_lists_ids_links_and_how_to_dismiss() -> None:
    md = render_markdown(sample_verdict(), file_link=lambda p, n: f"https://x/blob/sha/{p}#L{n}")
    assert md.startswith("## ❌ MergeGate: 2 blocking findings")
    assert "[`app/db.py:12`](https://x/blob/sha/app/db.py#L12)" in md
    assert "/mergegate dismiss mg-xxxxxxxx" in md
    assert "dismissed (test-code by alice)" in md


def test_markdown_is_cut_at_whole_rows_with_a_count() -> None:
    many = [make_finding(content=str(i), line=i) for i in range(2000)]
    v = evaluate(many, DEFAULT_POLICY, now=NOW)
    md = render_markdown(v, max_chars=65535)
    assert len(md) <= 65535
    rows = [line for line in md.splitlines() if line.startswith("| `mg-")]
    assert f"…and {2000 - len(rows)} more finding(s) not shown" in md
    assert md.rstrip().endswith("</details>")
    small = render_markdown(v, max_chars=3000)
    assert len(small) <= 3000 and "more finding(s) not shown" in small


def test_sarif_has_rules_results_and_partial_fingerprints() -> None:
    v = sample_verdict()
    sarif = verdict_to_sarif(v)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert len(result["partialFingerprints"]["mergegate/v1"]) == 64
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert len(suppressed) == 1 and suppressed[0]["suppressions"][0]["status"] == "accepted"
    assert run["invocations"][0]["executionSuccessful"] is False
