"""License expressions at the edges: OR, AND, WITH, spellings, deny over allow, unknown."""

from __future__ import annotations

import pytest
from mergegate.scanners.licenses.expression import LicenseRules, Status, judge, normalize_spelling

RULES = LicenseRules.from_policy(
    ["MIT", "Apache-2.0", "BSD-3-Clause", "LicenseRef-Commercial"],
    ["AGPL-3.0-or-later", "GPL-3.0-only"],
)


@pytest.mark.parametrize(
    ("text", "status", "expression", "culprits"),
    [
        ("MIT", Status.OK, "MIT", ()),
        ("mit", Status.OK, "MIT", ()),
        ("Apache 2.0", Status.OK, "Apache-2.0", ()),
        ("Apache License, Version 2.0", Status.OK, "Apache-2.0", ()),
        ("BSD", Status.OK, "BSD-3-Clause", ()),
        ("GPLv3", Status.DENIED, "GPL-3.0-only", ("GPL-3.0-only",)),
        ("GPL-3.0", Status.DENIED, "GPL-3.0-only", ("GPL-3.0-only",)),  # deprecated id
        # OR passes when either side passes; AND needs both
        ("MIT OR GPL-3.0-only", Status.OK, "MIT OR GPL-3.0-only", ()),
        ("AGPL-3.0-or-later OR ISC", Status.NOT_ALLOWED, "AGPL-3.0-or-later OR ISC", ("ISC",)),
        ("MIT AND GPL-3.0-only", Status.DENIED, "MIT AND GPL-3.0-only", ("GPL-3.0-only",)),
        ("MIT AND (Apache-2.0 OR GPL-3.0-only)", Status.OK, "MIT AND (Apache-2.0 OR GPL-3.0-only)", ()),
        ("ISC", Status.NOT_ALLOWED, "ISC", ("ISC",)),
        # unknown: unparsable, unresolved or not an SPDX license the policy names
        ("Weird-License", Status.UNKNOWN, "Weird-License", ("Weird-License",)),
        ("MIT AND Weird", Status.UNKNOWN, "MIT AND Weird", ("Weird",)),
        ("MIT OR Weird", Status.OK, "MIT OR Weird", ()),
        ("MIT AND", Status.UNKNOWN, "MIT AND", ()),
        ("NOASSERTION", Status.UNKNOWN, "unknown", ()),
        ("", Status.UNKNOWN, "unknown", ()),
        (None, Status.UNKNOWN, "unknown", ()),
        ("LicenseRef-Commercial", Status.OK, "LicenseRef-Commercial", ()),
        ("LicenseRef-Other", Status.NOT_ALLOWED, "LicenseRef-Other", ("LicenseRef-Other",)),
        # WITH: judged as its license unless the policy names the whole
        (
            "GPL-2.0-only WITH Classpath-exception-2.0",
            Status.NOT_ALLOWED,
            "GPL-2.0-only WITH Classpath-exception-2.0",
            ("GPL-2.0-only WITH Classpath-exception-2.0",),
        ),
        ("Apache-2.0 WITH LLVM-exception", Status.OK, "Apache-2.0 WITH LLVM-exception", ()),
    ],
)
def test_judgement(text: str | None, status: Status, expression: str, culprits: tuple[str, ...]) -> None:
    j = judge(text, RULES)
    assert (j.status, j.expression, j.culprits) == (status, expression, culprits)


def test_deny_beats_allow_and_with_exceptions() -> None:
    both = LicenseRules.from_policy(["MIT"], ["mit"])
    assert judge("MIT", both).status is Status.DENIED
    deny_base = LicenseRules.from_policy(None, ["GPL-2.0-only"])
    assert judge("GPL-2.0-only WITH Classpath-exception-2.0", deny_base).status is Status.DENIED
    allow_whole = LicenseRules.from_policy(["GPL-2.0-only WITH Classpath-exception-2.0"], ["GPL-2.0-only"])
    assert judge("GPL-2.0-only WITH Classpath-exception-2.0", allow_whole).status is Status.OK
    assert judge("GPL-2.0-only", allow_whole).status is Status.DENIED


def test_no_allow_list_allows_every_known_license_not_denied() -> None:
    rules = LicenseRules.from_policy(None, ["AGPL-3.0-only"])
    assert judge("ISC", rules).status is Status.OK
    assert judge("AGPL-3.0", rules).status is Status.DENIED  # deprecated id normalised
    assert judge("Weird", rules).status is Status.UNKNOWN
    named = LicenseRules.from_policy(["Weird"], [])
    assert judge("Weird", named).status is Status.OK


def test_spellings() -> None:
    assert normalize_spelling("GNU General Public License v3 (GPLv3)") == "GPL-3.0-only"
    assert normalize_spelling("The MIT License") == "MIT"
    assert normalize_spelling("Simplified BSD") == "BSD-2-Clause"
    assert normalize_spelling("Something else") == "Something else"
