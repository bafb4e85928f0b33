"""The fake GitHub refuses what GitHub's description does not allow (so e2e tests can fail)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.openapi_check import OpenApi


def _api(fixtures: Path) -> OpenApi:
    return OpenApi(fixtures / "github" / "openapi-subset.json")


def test_limits_and_unknown_parameters_are_refused(fixtures: Path) -> None:
    api = _api(fixtures)
    ann = {"path": "a.py", "start_line": 1, "end_line": 1, "annotation_level": "failure",
           "message": "m"}
    ok = {"output": {"title": "t", "summary": "s", "annotations": [ann] * 50}}
    path = "/repos/o/r/check-runs/5"
    assert api.check("PATCH", path, {}, json.dumps(ok).encode())[2] == []
    too_many = {"output": {"title": "t", "summary": "s", "annotations": [ann] * 51}}
    assert api.check("PATCH", path, {}, json.dumps(too_many).encode())[2]
    too_long = {"output": {"title": "t", "summary": "x" * 65536}}
    assert api.check("PATCH", path, {}, json.dumps(too_long).encode())[2]
    bad_level = {"output": {"title": "t", "summary": "s",
                            "annotations": [{**ann, "annotation_level": "error"}]}}
    assert api.check("PATCH", path, {}, json.dumps(bad_level).encode())[2]
    assert api.check("PATCH", "/repos/o/r/check-runs/abc", {}, b"{}")[2]
    files = "/repos/o/r/pulls/2/files"
    assert api.check("GET", files, {"per_page": "100", "page": "2"}, b"")[2] == []
    assert api.check("GET", files, {"per_pages": "100"}, b"")[2]
    assert api.check("DELETE", files, {}, b"")[2] == ["DELETE is not allowed on " + files]
    assert api.check("GET", "/user/repos", {}, b"")[2]
    decision = {"environment_name": "prod", "state": "approve"}
    assert api.check("POST", "/repos/o/r/actions/runs/1/deployment_protection_rule", {},
                     json.dumps(decision).encode())[2]
