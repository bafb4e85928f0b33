"""Which lines could hold a credential: a cheap prefilter before the detectors.

Running every detector on every line of a 100 MB log would take minutes, so a cheap prefilter
picks the lines a detector could match (keywords, known token prefixes, key headers, URLs
with a password) and only those go to the detectors, in batches. It works on a block of lines
at a time with plain substring searches (`candidate_starts`), so a line without any of those
pieces costs no Python code at all; `is_candidate` then decides for each line found. Used for
CI logs (`mergegate.logscan`) and container environments (the deploy scanner).
"""

from __future__ import annotations

import bisect
import math
import re

# A run of token characters this long, with letters and digits, and this many bits of Shannon
# entropy per character, is masked in any line shown (random keys have over 3.8).
TOKEN_MIN = 16

TOKEN_ENTROPY = 3.5

TOKENISH = re.compile(rf"[A-Za-z0-9+/=_-]{{{TOKEN_MIN},}}")

def _entropy(text: str) -> float:
    n = len(text)
    return -sum(k / n * math.log2(k / n) for k in map(text.count, set(text)))

_DIGIT = re.compile(r"\d")

_LETTER = re.compile(r"[A-Za-z]")

def looks_random(token: str) -> bool:
    return (_DIGIT.search(token) is not None and _LETTER.search(token) is not None
            and _entropy(token) >= TOKEN_ENTROPY)

_SHORT_HEX = re.compile(r"[0-9a-fA-F]{1,31}")

def _key_like(match: re.Match[str]) -> bool:
    """A run `_mask` hides that a detector could report: not a short hex id (request and
    commit ids; the hex keys detectors know are 32 digits or more)."""
    token = match.group(0)
    return _SHORT_HEX.fullmatch(token) is None and looks_random(token)

# A secret-like name being given a value (what the keyword detector looks for)...
_KEYWORD = (
    r"(?i:(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|"
    r"private[_-]?key|auth|credentials?|session[_-]?id|signature)[\w.-]*[\"']?\s*"
    r"(?:[:=]|=>|:=|\s--?\w*\s))"
)

# ...or the shape of a known token, a key header, a URL with a password.
_SHAPES = (
    r"(?i:bearer|basic)\s+[A-Za-z0-9+/_.=-]{8,}"
    r"|AKIA|ASIA|AGPA|AIDA|AROA|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|glptt-|gldt-|"
    r"xox[abposr]-|xapp-|sk_live_|rk_live_|sk-[A-Za-z0-9]|eyJ[A-Za-z0-9_-]{8,}|SG\.|npm_|"
    r"pypi-|AIza|shpat_|dop_v1_|sq0|(?i:PRIVATE KEY|AccountKey=)|"
    r"://[^/\s:@]+:[^/\s@]+@|hooks\.slack\.com|discord(?:app)?\.com/api/webhooks"
)

CANDIDATE = re.compile(f"{_KEYWORD}|{_SHAPES}")

# The same, split for speed (inline case-insensitivity makes a search 20 to 40 times slower):
# the case-insensitive parts compiled in lower case, for lower-cased text...
_KEYWORD_LOW = re.compile(_KEYWORD.replace("(?i:", "(?:", 1))

_SHAPES_LOW = re.compile(r"(?:bearer|basic)\s+[a-z0-9+/_.=-]{8,}|private key|accountkey=")

# ...and the case-sensitive shapes, for the text as it is.
_SHAPES_CASED = re.compile(
    r"AKIA|ASIA|AGPA|AIDA|AROA|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|glptt-|gldt-|"
    r"xox[abposr]-|xapp-|sk_live_|rk_live_|sk-[A-Za-z0-9]|eyJ[A-Za-z0-9_-]{8,}|SG\.|npm_|"
    r"pypi-|AIza|shpat_|dop_v1_|sq0|://[^/\s:@]+:[^/\s@]+@|hooks\.slack\.com|"
    r"discord(?:app)?\.com/api/webhooks"
)

# A value no detector takes for a secret: GitHub's mask, a `${{ }}` expression, an
# environment variable (upper case: `$ecretP4ss` is a password).
_PLACEHOLDER = re.compile(
    r"""\s*["']?(?:\*{3,}|\$\{\{[^}\n]*\}\}|\$\{?[A-Z_][A-Z0-9_]*\}?)["']?(?=[\s,;)]|$)"""
)

# A fast first pass on the lower-cased line (literal alternatives are scanned quickly); only
# lines it lets through meet CANDIDATE.
_QUICK = re.compile(
    r"pass(?!ed\b)|pwd|secret|token|key|auth|cred|session|signature|bearer|basic|akia|asia|"
    r"agpa|aida|aroa|gh[pousr]_|github_pat|glp|gld|xox|xapp|sk_live|rk_live|sk-|eyj|sg\.|"
    r"npm_|pypi-|aiza|shpat|dop_v1|sq0|private|accountkey|://|discord"
)

# Lower-case pieces of which `_QUICK` needs one; found with `str.find`, far faster than a regex
# alternation. "pass" is searched for apart, to pass over the "passed" of every test log.
_NEEDLES = (
    "pwd", "secret", "token", "key", "auth", "cred", "session", "signature", "bearer", "basic",
    "akia", "asia", "agpa", "aida", "aroa", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat", "glp", "gld", "xox", "xapp", "_live", "sk-", "eyj", "sg.", "npm_", "pypi-",
    "aiza", "shpat", "dop_v1", "sq0", "private", "://", "discord",
)

# "pass", but not the "passed" of every test log unless it is given a value ("passed: x").
_PASS = re.compile(r"""pass(?:(?!ed\b)|(?=ed[\w.-]*["']?\s*(?:[:=]|=>|:=|\s--?\w*\s)))""")

_NEEDLE_HEADS = re.compile("[" + re.escape("".join(sorted({n[0] for n in (*_NEEDLES, "pass")})))
                           + "]")

# For `candidate_starts`, which needs only the lines `CANDIDATE` can match: the pieces of its
# case-insensitive parts in lower case, and its token shapes as they are written (a literal
# first, so each is searched for as fast as `str.find`), several shapes to a search.
_LOWER_NEEDLES = (
    "pwd", "secret", "token", "key", "auth", "cred", "session", "signature", "bearer", "basic",
    "private", "://", "discord",
)

_SHAPE_PIECES = tuple(re.compile(p) for p in (
    r"A(?:KIA|SIA|GPA|IDA|ROA|Iza)", r"gh(?:[pousr]_|ithub_pat_)", r"gl(?:pat|ptt|dt)-",
    r"x(?:ox[abposr]|app)-", r"k_live_", r"sk-", r"eyJ", r"SG\.", r"npm_", r"pypi-", r"shpat_",
    r"dop_v1_", r"sq0",
))

# Around a piece found in an overlong line, the text given to the detectors.
WINDOW_BEFORE = 256

WINDOW_AFTER = 2048

NEAR = 16  # how far before its piece a `CANDIDATE` match may start ("private_key" for "key")

STRIDE = 128

def _line_start(low: str, at: int) -> int:
    return low.rfind("\n", 0, at) + 1

def _line_end(low: str, at: int) -> int:
    end = low.find("\n", at)
    return len(low) if end < 0 else end

def candidate_starts(text: str, low: str) -> set[int]:
    """Offsets of the lines of a block (and the block lower-cased, at the same offsets) that
    hold a piece of one of `CANDIDATE`'s patterns ("passed" only when `CANDIDATE` matches
    there): every line `is_candidate` is true of, and a few more."""
    starts: set[int] = set()
    for needle in _LOWER_NEEDLES:
        at = low.find(needle)
        while at >= 0:
            starts.add(_line_start(low, at))
            at = low.find(needle, _line_end(low, at))
    for shape in _SHAPE_PIECES:
        m = shape.search(text)
        while m is not None:
            starts.add(_line_start(text, m.start()))
            m = shape.search(text, _line_end(text, m.start()))
    m = _PASS.search(low)
    while m is not None:
        starts.add(_line_start(low, m.start()))
        m = _PASS.search(low, _line_end(low, m.start()))
    return starts

def candidate_windows(text: str, low: str) -> list[tuple[int, str]]:
    """Pieces of a long text (an overlong line) around what `CANDIDATE` matches, merged,
    each with its offset.

    `CANDIDATE` is tried only from just before each piece `_QUICK` looks for to a little
    after it (a match starts at most a few characters before its piece)."""
    if _NEEDLE_HEADS.search(low) is None:  # one quick pass: nothing could start a piece
        return []
    found: list[int] = []
    for needle in (*_NEEDLES, "pass"):
        at = low.find(needle)
        while at >= 0:
            found.append(at)
            at = low.find(needle, at + STRIDE)  # the search from `at` covers the stride
    found.sort()
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(found):
        at = found[i]
        if spans and at + NEAR <= spans[-1][1]:  # inside a window going to the detectors:
            spans[-1] = (spans[-1][0], max(spans[-1][1], at + WINDOW_AFTER))  # keep its value
            i = bisect.bisect_left(found, spans[-1][1] - NEAR, i + 1)
            continue
        # One search covers the pieces of the next STRIDE characters too (dense pieces).
        if not _matches(text, low, max(0, at - NEAR), at + STRIDE + WINDOW_BEFORE):
            i = bisect.bisect_left(found, at + STRIDE, i + 1)
            continue
        start, end = max(0, at - WINDOW_BEFORE), at + WINDOW_AFTER
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
        i += 1
    return [(a, text[a:b]) for a, b in spans]

def _matches(text: str, low: str, start: int = 0, end: int | None = None) -> bool:
    """`CANDIDATE` in text[start:end], given the text lower-cased at the same offsets."""
    stop = len(text) if end is None else end
    return (_KEYWORD_LOW.search(low, start, stop) is not None
            or _SHAPES_LOW.search(low, start, stop) is not None
            or _SHAPES_CASED.search(text, start, stop) is not None)

def is_candidate(line: str) -> bool:
    low = line.lower()
    if _QUICK.search(low) is None:
        return False
    if len(low) != len(line):  # a few characters lower-case to two: no shared offsets
        return CANDIDATE.search(line) is not None
    return _matches(line, low)

def only_placeholders(line: str) -> bool:
    """Whether a candidate line gives secret-like names only masked or referenced values
    (`token: ***`, `password: ${{ secrets.DB }}`, `API_KEY=$API_KEY`) and holds nothing else
    a detector could take for a key: no token shape and no key-like run of characters. Such
    lines, common in CI logs, need not go to the detectors."""
    low = line.lower()
    if len(low) != len(line):
        return False  # no shared offsets: let the detectors decide
    if _SHAPES_LOW.search(low) is not None or _SHAPES_CASED.search(line) is not None:
        return False
    rest, at = [], 0  # the line without its placeholders
    for m in _KEYWORD_LOW.finditer(low):
        value = _PLACEHOLDER.match(line, m.end())
        if value is None:
            return False
        rest.append(line[at : value.start()])
        at = value.end()
    rest.append(line[at:])
    return not any(_key_like(m) for m in TOKENISH.finditer(" ".join(rest)))

def needs_detectors(line: str) -> bool:
    """`is_candidate` and not `only_placeholders`, with the line lower-cased once."""
    low = line.lower()
    if _QUICK.search(low) is None:
        return False
    if len(low) != len(line):
        return CANDIDATE.search(line) is not None
    if _SHAPES_LOW.search(low) is not None or _SHAPES_CASED.search(line) is not None:
        return True
    rest, at, named = [], 0, False  # the line without its placeholders
    for m in _KEYWORD_LOW.finditer(low):
        named = True
        value = _PLACEHOLDER.match(line, m.end())
        if value is None:
            return True
        rest.append(line[at : value.start()])
        at = value.end()
    if not named:
        return False
    rest.append(line[at:])
    return any(_key_like(m) for m in TOKENISH.finditer(" ".join(rest)))
