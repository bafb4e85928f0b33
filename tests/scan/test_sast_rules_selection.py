from bot.scanners.sast import languages_of, rules_for_languages


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
    from bot.scanners.sast import merged_config

    shared = {"pattern": "eval(...)"}
    rules = [{"id": "a", "languages": ["python"], "patterns": [shared]},
             {"id": "b", "languages": ["python"], "patterns": [shared]}]
    text = merged_config(rules, tmp_path).read_text()
    assert "&id" not in text and "*id" not in text
    assert text.count("eval(...)") == 2
