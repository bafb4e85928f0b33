"""The offline database: folder or all.zip, indexed once, reused on restart, rebuilt on change."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from mergegate.scanners.dependencies.osv_offline import OfflineOsv
from mergegate.scanners.dependencies.sources import Query, SourceError

from tests.dependencies.support import advisory, write_advisories

QUERIES = [
    Query("PyPI", "django", "1.4"),
    Query("npm", "lodash", "4.17.20"),
    Query("PyPI", "zope-nothing", "1.0"),
]


def ids(result: dict[Query, list[dict[str, object]]]) -> dict[Query, list[str]]:
    return {q: sorted(str(a["id"]) for a in advs) for q, advs in result.items()}


def test_folder_and_all_zip_give_the_same_candidates(fixtures: Path, tmp_path: Path) -> None:
    folder = ids(OfflineOsv(fixtures / "osv", tmp_path / "i1").advisories(QUERIES))
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted((fixtures / "osv").rglob("*.json")):
            zf.write(p, p.name)
    zipped = ids(OfflineOsv(archive, tmp_path / "i2").advisories(QUERIES))
    assert folder == zipped
    # only the advisories affecting the version are read in full
    assert len(folder[QUERIES[0]]) == 36  # of the 116 django advisories of the fixtures
    assert "PYSEC-2014-19" in folder[QUERIES[0]] and "PYSEC-2021-439" not in folder[QUERIES[0]]
    assert folder[QUERIES[1]] == ["GHSA-35jh-r3h4-6jhm"]  # not jf85 (< 4.17.12) nor p6mc
    assert folder[QUERIES[2]] == []


def test_restart_reuses_the_index_and_a_change_rebuilds_it(tmp_path: Path) -> None:
    db = write_advisories(tmp_path / "db", [advisory("T-1", "PyPI", "Foo_Bar", [{"introduced": "0"}])])
    first = OfflineOsv(db, tmp_path / "index")
    path = first.ensure_index()
    built = path.stat().st_mtime_ns
    again = OfflineOsv(db, tmp_path / "index")
    assert again.ensure_index() == path and path.stat().st_mtime_ns == built
    assert ids(again.advisories([Query("PyPI", "foo-bar", "1")])) == {Query("PyPI", "foo-bar", "1"): ["T-1"]}
    write_advisories(db, [advisory("T-2", "PyPI", "foo.bar", [{"introduced": "0"}])])
    os.utime(db / "T-2.json", ns=(built + 10**9, built + 10**9))
    third = OfflineOsv(db, tmp_path / "index")
    assert ids(third.advisories([Query("PyPI", "foo-bar", "1")])) == {
        Query("PyPI", "foo-bar", "1"): ["T-1", "T-2"]
    }


def test_a_kept_instance_sees_a_changed_database_after_recheck_after(tmp_path: Path) -> None:
    db = write_advisories(tmp_path / "db", [advisory("T-1", "npm", "a", [{"introduced": "0"}])])
    query = Query("npm", "a", "1.0.0")
    lazy = OfflineOsv(db, tmp_path / "i1", recheck_after=3600)
    eager = OfflineOsv(db, tmp_path / "i2", recheck_after=0)
    assert ids(lazy.advisories([query]))[query] == ["T-1"] == ids(eager.advisories([query]))[query]
    write_advisories(db, [advisory("T-2", "npm", "a", [{"introduced": "0"}])])
    assert ids(lazy.advisories([query]))[query] == ["T-1"]  # not checked again yet
    assert ids(eager.advisories([query]))[query] == ["T-1", "T-2"]


def test_create_shares_one_offline_source_per_database(tmp_path: Path) -> None:
    from mergegate.scanners.dependencies import offline_source

    db = write_advisories(tmp_path / "db", [advisory("T-1", "npm", "a", [{"introduced": "0"}])])
    assert offline_source(db) is offline_source(tmp_path / "db" / ".." / "db")
    assert offline_source(db) is not offline_source(tmp_path / "other")


def test_withdrawn_advisories_are_not_indexed(fixtures: Path, tmp_path: Path) -> None:
    src = OfflineOsv(fixtures / "osv", tmp_path / "index")
    assert ids(src.advisories([Query("PyPI", "hyperledger", "0.1.5")])) == {
        Query("PyPI", "hyperledger", "0.1.5"): []
    }


def test_unreadable_advisory_files_are_skipped_and_counted(tmp_path: Path) -> None:
    db = write_advisories(tmp_path / "db", [advisory("T-1", "npm", "a", [{"introduced": "0"}])])
    (db / "broken.json").write_text('{"id": "T-2", "affected": [')
    (db / "noid.json").write_text(json.dumps({"affected": []}))
    src = OfflineOsv(db, tmp_path / "index")
    assert ids(src.advisories([Query("npm", "a", "1.0.0")]))[Query("npm", "a", "1.0.0")] == ["T-1"]
    assert sorted(Path(s).name for s in src.skipped) == ["broken.json", "noid.json"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing", "MERGEGATE_OSV_DB {d}/missing: no such file or folder"),
        (
            lambda d: (d / "bad.zip").write_bytes(b"not a zip") and d / "bad.zip",
            "MERGEGATE_OSV_DB {d}/bad.zip: not a valid zip file (File is not a zip file)",
        ),
    ],
)
def test_bad_databases_are_source_errors(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    db = make(tmp_path)
    with pytest.raises(SourceError) as info:
        OfflineOsv(db, tmp_path / "index").advisories(QUERIES)
    assert str(info.value) == message.format(d=tmp_path)


def test_unwritable_index_folder_is_a_source_error(tmp_path: Path) -> None:
    db = write_advisories(tmp_path / "db", [advisory("T-1", "npm", "a", [{"introduced": "0"}])])
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SourceError) as info:
        OfflineOsv(db, blocker / "index").advisories(QUERIES)
    assert str(info.value).startswith(f"cannot write the OSV index in {blocker / 'index'}: ")


def test_gc_paused_restores_the_collector_state() -> None:
    import gc

    from mergegate.scanners.dependencies.osv_offline import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
