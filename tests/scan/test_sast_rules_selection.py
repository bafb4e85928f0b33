from mergegate.scanners.sast import languages_of, rules_for_languages


def test_languages_of_paths() -> None:
    assert languages_of(["a/b.py", "web/x.tsx", "Dockerfile", "c.go", "README.md"]) == {
        "python", "typescript", "javascript", "dockerfile", "go"}
    assert languages_of(["docs/a.md", "LICENSE"]) == set()


def test_rules_are_kept_for_present_languages_and_generic_ones() -> None:
    rules = [
        {"id": "py", "languages": ["python"]},
        {"id": "js", "languages": ["js", "ts"]},
        {"id": "generic", "languages": ["generic"]},
        {"id": "java", "languages": ["java"]},
        {"id": "regex", "languages": ["regex"]},
    ]
    assert [r["id"] for r in rules_for_languages(rules, {"python"})] == ["py", "generic", "regex"]
    assert [r["id"] for r in rules_for_languages(rules, {"typescript"})] == ["js", "generic", "regex"]
    assert [r["id"] for r in rules_for_languages(rules[:1], {"go"})] == []


def test_merged_config_writes_no_aliases_even_for_shared_nodes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mergegate.scanners.sast import merged_config

    shared = {"pattern": "eval(...)"}
    rules = [{"id": "a", "languages": ["python"], "patterns": [shared]},
             {"id": "b", "languages": ["python"], "patterns": [shared]}]
    text = merged_config(rules, tmp_path).read_text()
    assert "&id" not in text and "*id" not in text
    assert text.count("eval(...)") == 2


def test_rule_selection_is_cached_on_disk_and_refreshed_when_a_rule_file_changes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    from mergegate.config import Settings
    from mergegate.core.policy import DEFAULT_POLICY
    from mergegate.scanners.sast import SemgrepScanner
    from mergegate.workspace import CandidateFile, build_workspace

    rules = tmp_path / "rules"
    rules.mkdir()
    rule_file = rules / "a.yml"
    rule_file.write_text("rules:\n- id: one\n  languages: [python]\n  severity: ERROR\n  message: m\n  pattern: eval(...)\n")
    settings = Settings(rules_dir=rules)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("eval(x)\n")
    ws = build_workspace(repo, [CandidateFile("a.py", "added")], diff_aware=False)
    cache = tmp_path / "cache"
    first = SemgrepScanner(settings, cache_dir=cache).config_for(ws, DEFAULT_POLICY)
    assert first[1] == frozenset({"one"}) and first[0] is not None and first[0].is_file()
    # A new process (a new scanner) finds the selection on disk.
    again = SemgrepScanner(settings, cache_dir=cache)
    assert again._load_selection(next(iter(again._selections), "")) is None  # nothing in memory yet
    assert again.config_for(ws, DEFAULT_POLICY) == first
    # Editing the rule file changes the selection.
    rule_file.write_text(rule_file.read_text().replace("id: one", "id: two"))
    os.utime(rule_file, ns=(1, 1))
    assert SemgrepScanner(settings, cache_dir=cache).config_for(ws, DEFAULT_POLICY)[1] == frozenset({"two"})
