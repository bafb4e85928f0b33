"""Which lines could hold a credential: a cheap prefilter before the detectors.

Running every detector on every line of a 100 MB log would take minutes, so a cheap prefilter
picks the lines a detector could match (keywords given a value, known token prefixes, what our
token plugins' patterns match, key headers, URLs with a password) and only those go to the
detectors, in batches. For logs it works on a block of lines at a time with three RE2 searches
(`candidate_line_starts`), so a line without any of those pieces costs no Python code at all;
`needs_checking` then decides for each line found. `is_candidate` is the per-line test for
container environments (the deploy scanner) and the samples a log report shows.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

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
_KEYWORD_NAMES = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth|"
    r"credentials?|session[_-]?id|signature"
)

_KEYWORD_NAME_LOW = re.compile(_KEYWORD_NAMES)

_KEYWORD = rf"(?i:(?:{_KEYWORD_NAMES})[\w.-]*[\"']?\s*(?:[:=]|=>|:=|\s--?\w*\s))"

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

# References to a value elsewhere, never a value: a `${{ }}` expression (to the line's end if not
# closed) and an environment variable (upper case: `$ecretP4ss` is a password).
_REFERENCE = re.compile(r"\$\{\{.*?\}\}|\$\{\{.*|\$\{?[A-Z_][A-Z0-9_]*\}?")

# A fast first pass on the lower-cased line (literal alternatives are scanned quickly); only
# lines it lets through meet CANDIDATE.
_QUICK = re.compile(
    r"pass(?!ed\b)|pwd|secret|token|key|auth|cred|session|signature|bearer|basic|akia|asia|"
    r"agpa|aida|aroa|gh[pousr]_|github_pat|glp|gld|xox|xapp|sk_live|rk_live|sk-|eyj|sg\.|"
    r"npm_|pypi-|aiza|shpat|dop_v1|sq0|private|accountkey|://|discord"
)

# Around a piece found in an overlong line, the text given to the detectors.
WINDOW_BEFORE = 256

WINDOW_AFTER = 2048

NEAR = 16  # how far before its piece a `CANDIDATE` match may start ("private_key" for "key")

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
    """`is_candidate` and not `only_placeholders`, with the line lower-cased once, except that
    the key-like runs looked for are those outside any reference (`${{ }}`, `$NAME`), not only
    outside the placeholders given to a name: a reference's name is not a value."""
    low = line.lower()
    if _QUICK.search(low) is None:
        return False
    if len(low) != len(line):
        return CANDIDATE.search(line) is not None
    if _SHAPES_LOW.search(low) is not None or _SHAPES_CASED.search(line) is not None:
        return True
    named = False
    for m in _KEYWORD_LOW.finditer(low):
        named = True
        if _PLACEHOLDER.match(line, m.end()) is None:
            return True
    if not named:
        return False
    # Masks hold no key-like run; references (`${{ }}`, `$NAME`) are names, not values.
    rest = _REFERENCE.sub(" ", line) if "$" in line else line
    return any(_key_like(m) for m in TOKENISH.finditer(rest))


# --- Logs: a whole block of lines in one search --------------------------------------------------
#
# `candidate_line_starts` finds, with three RE2 searches over a block of lines as read (UTF-8
# bytes, searched as Latin-1 so that every byte is a character), the lines `needs_checking`
# could say yes to, and a few more; only those are decoded and get per-line Python. RE2 runs a
# DFA: its speed does not depend on how many alternatives the pattern has, where Python's `re`
# slows down with each. The pattern is a superset of what the per-line checks accept: its classes take any
# byte past ASCII where a Unicode class of Python's could match the character, and where it
# stands for "not a placeholder" it errs towards "not a placeholder".

_RUN = r"[A-Za-z0-9+/=_\-]"  # a character of TOKENISH

_HEX = r"[0-9A-Fa-f]"

_NOT_HEX = r"[G-Zg-z+/=_\-]"

# A run of TOKENISH that `_key_like` could accept, from the run's start: TOKEN_MIN characters,
# one of them not a hex digit (short hex ids are not key-like), or 32. (From the run's start,
# so that RE2's automaton follows one run at a time, not every suffix of it.)
_KEYLIKE_RE2 = "(?:" + "|".join(
    [_RUN + "{32}", f"{_HEX}{{{TOKEN_MIN - 1},}}{_NOT_HEX}"]
    + [f"{_HEX}{{{k}}}{_NOT_HEX}{_RUN}{{{TOKEN_MIN - 1 - k}}}".replace(f"{_HEX}{{0}}", "")
       for k in range(TOKEN_MIN - 1)]
) + ")"

_SPACE = r"\t\x0b\x0c\r \x1c-\x1f"  # what Python's \s matches in ASCII, less the newline

_WIDE_SPACE = rf"[{_SPACE}\x80-\xff]"

_KEYWORD_RE2 = (
    rf"(?i:{_KEYWORD_NAMES})[0-9A-Za-z_.\-\x80-\xff]*[\"']?{_WIDE_SPACE}*"
    rf"(?:[:=]|=>|:=|{_WIDE_SPACE}--?[0-9A-Za-z_\x80-\xff]*{_WIDE_SPACE})"
)

# After a `_KEYWORD` match, a value `_PLACEHOLDER` does not match (and a few it does).
_NOT_TERMINATOR = rf"[^{_SPACE}\n,;)]"
_UNTERMINATED = rf"(?:[^{_SPACE}\n,;)\"']|[\"']{_NOT_TERMINATOR})"
_NOT_PLACEHOLDER = (
    rf"[{_SPACE}]*(?:$|[^{_SPACE}\n*$\"']|[\"'](?:$|[^*$\n])|[\"']?(?:"
    r"\*(?:$|[^*\n])|\*\*(?:$|[^*\n])"
    rf"|\*{{3,}}(?:[^*{_SPACE}\n,;)\"']|[\"']{_NOT_TERMINATOR})"
    r"|\$(?:$|[^{A-Z_\n])|\$\{(?:$|[^{A-Z_\n])"
    r"|\$\{\{[^}\n]*(?:$|\}(?:$|[^}\n]))"
    rf"|\$\{{\{{[^}}\n]*\}}\}}{_UNTERMINATED}"
    rf"|\$\{{?[A-Z_][A-Z0-9_]*(?:[^A-Z0-9_}}{_SPACE}\n,;)\"']|[\"']{_NOT_TERMINATOR})"
    rf"|\$\{{?[A-Z_][A-Z0-9_]*\}}{_UNTERMINATED}"
    "))"
)

# One step along a line, a whole run of TOKENISH at a time, that never enters a `_REFERENCE`:
# a key-like run outside references starts where a step ends.
_NOT_RUN = r"[^$\nA-Za-z0-9+/=_\-]"
_STEP = (
    rf"{_NOT_RUN}|{_RUN}+(?:{_NOT_RUN}|$)|{_RUN}*(?:"
    r"\$\{\{(?:[^}\n]|\}[^}\n])*(?:\}\}|\}?$)|\$\{?[A-Z_][A-Z0-9_]*\}?"
    r"|\$[^{A-Z_\n]|\$\{[^{A-Z_\n])"
)

_KEYLIKE_OUTSIDE = rf"(?:{_STEP})*?(?:{_RUN}*\$\{{?)?{_KEYLIKE_RE2}"


def _shapes_re2() -> str:
    """`_SHAPES_LOW` (case-insensitive, classes widened) and `_SHAPES_CASED`, for RE2."""
    low = (_SHAPES_LOW.pattern.replace(r"\s+", f"{_WIDE_SPACE}+")
           .replace("[a-z0-9+/_.=-]", "[a-z0-9+/_.=\\x80-\\xff-]"))
    return f"(?i:{low})|{_SHAPES_CASED.pattern}"


@functools.lru_cache(maxsize=1)
def _token_plugins() -> tuple[tuple[tuple[str, ...], tuple[re.Pattern[str], ...]], ...]:
    """Our plugins that recognise a value by its shape (the keyword plugin has no patterns):
    their keywords (lower case) and patterns. The keywords that are words holding one of
    `_KEYWORD`'s names (`secret`, `authorization`) are left out: a value given to those is for
    `_KEYWORD` to see."""
    from mergegate.scanners.secrets.plugins import PLUGINS

    found = []
    for cls in PLUGINS:
        keywords = tuple(k.lower() for k in cls.keywords
                         if not (k.isalpha() and _KEYWORD_NAME_LOW.search(k.lower())))
        if cls.patterns and keywords:
            found.append((keywords, cls.patterns))
    return tuple(found)


# --- Our token plugins' patterns for RE2 -----------------------------------------------------------
#
# Each plugin pattern is rewritten from Python's parse of it into an RE2 pattern that matches at
# least where it does, in a line as UTF-8 bytes: lookarounds and word boundaries are dropped, a
# back-reference matches anything, repetitions need at most `_MIN_REPEAT` items and have no
# maximum, what comes before the first literal or group is dropped, and whatever matches one
# character past ASCII matches a run of bytes past ASCII.

_MIN_REPEAT = 4

_NON_ASCII = r"[\x80-\xff]+"

_CATEGORY_ASCII = {
    "CATEGORY_DIGIT": "0-9", "CATEGORY_UNI_DIGIT": "0-9",
    "CATEGORY_WORD": "0-9A-Za-z_", "CATEGORY_UNI_WORD": "0-9A-Za-z_",
    "CATEGORY_SPACE": r"\t\x0b\x0c\r \x1c-\x1f", "CATEGORY_UNI_SPACE": r"\t\x0b\x0c\r \x1c-\x1f",
}


def _byte(code: int) -> str:
    return chr(code) if chr(code).isalnum() and code < 128 else f"\\x{code:02x}"


def _charset(items: list[tuple[Any, Any]], fold: bool) -> str:
    """One character of a Python class: its ASCII part as an RE2 class, or a run of bytes
    past ASCII when the class can match such a character."""
    negate = any(str(op) == "NEGATE" for op, _ in items)
    parts, wide = [], negate
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            if arg < 128:
                parts.append(_byte(arg))
            else:
                wide = True
        elif name == "RANGE":
            lo, hi = arg
            if lo < 128:
                parts.append(f"{_byte(lo)}-{_byte(min(hi, 127))}")
            wide = wide or hi >= 128
        elif name == "CATEGORY":
            ascii_part = _CATEGORY_ASCII.get(str(arg))
            if ascii_part is None:  # a negated category: any character but a few
                wide = True
                parts.append(r"\x00-\x09\x0b-\x7f")
            else:
                parts.append(ascii_part)
                wide = True
    if negate:
        body = f"[^{''.join(parts)}\\n\\x80-\\xff]"
    elif parts:
        body = f"[{''.join(parts)}]"
    else:
        body = ""
    if fold and body:
        body = f"(?i:{body})"
    alternatives = [b for b in (body, _NON_ASCII if wide else "") if b]
    return "(?:" + "|".join(alternatives) + ")" if alternatives else "(?:[^\\x00-\\xff])"


def _re2_items(items: Any, fold: bool) -> str:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            if arg >= 128:
                out.append(_NON_ASCII)
            elif fold and chr(arg).isalpha():
                out.append(f"[{chr(arg).lower()}{chr(arg).upper()}]")
            else:
                out.append(_byte(arg))
        elif name == "NOT_LITERAL":
            out.append(_charset([("NEGATE", None), ("LITERAL", arg)], fold))
        elif name == "ANY":
            out.append(f"(?:[^\\n\\x80-\\xff]|{_NON_ASCII})")
        elif name == "IN":
            out.append(_charset(list(arg), fold))
        elif name == "BRANCH":
            out.append("(?:" + "|".join(_re2_items(alt, fold) for alt in arg[1]) + ")")
        elif name == "SUBPATTERN":
            _, add, remove, sub = arg
            inner = (fold or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
            out.append("(?:" + _re2_items(sub, inner) + ")")
        elif name == "ATOMIC_GROUP":
            out.append("(?:" + _re2_items(arg, fold) + ")")
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            if high == 0:
                continue
            least = min(low, _MIN_REPEAT)
            out.append("(?:" + _re2_items(sub, fold) + ")" + (
                "*" if least == 0 else "+" if least == 1 else f"{{{least},}}"))
        elif name == "AT":
            where = str(arg)
            if "BEGINNING" in where:
                out.append("^")
            elif "END" in where:
                out.append("$")
        elif name in ("GROUPREF", "GROUPREF_EXISTS"):
            if name == "GROUPREF":
                out.append("[^\\n]*")
            else:
                _, yes, no = arg
                out.append("(?:" + _re2_items(yes, fold) + "|"
                           + (_re2_items(no, fold) if no is not None else "") + ")")
        # ASSERT, ASSERT_NOT: left out
    return "".join(out)


_LEADING = frozenset({"IN", "ANY", "NOT_LITERAL", "AT", "ASSERT", "ASSERT_NOT", "MAX_REPEAT",
                      "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def _re2_superset(pattern: re.Pattern[str]) -> str:
    """The pattern rewritten for RE2 (see above), from its first literal or group on: what a
    search finds in full, it finds from there (and the classes before it would make RE2 follow
    many starts at once on text past ASCII)."""
    import re._parser as sre_parse  # the parse `re` compiles from

    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    items = list(parsed)
    while len(items) > 1 and str(items[0][0]) in _LEADING:
        items.pop(0)
    return _re2_items(items, bool(parsed.state.flags & re.IGNORECASE))


def _plugin_patterns_re2() -> str:
    """Our token plugins' patterns (each rewritten by `_re2_superset`), any of them."""
    return "(?:" + "|".join(_re2_superset(p) for _, patterns in _token_plugins()
                            for p in patterns) + ")"


@functools.lru_cache(maxsize=1)
def _any_plugin_keyword() -> Any:
    """Any keyword of our token plugins, in UTF-8 (RE2's case folding is Unicode's)."""
    import re2

    words = sorted({k for keywords, _ in _token_plugins() for k in keywords})
    return re2.compile(("(?i:" + "|".join(re.escape(w) for w in words) + ")").encode())


def token_plugin_matches(line: str) -> bool:
    """Whether one of our token plugins' patterns matches the line (its keyword is in it)."""
    if _any_plugin_keyword().search(line.encode()) is None:  # one search: most lines hold none
        return False
    low = line.lower()
    return any(any(k in low for k in keywords) and any(p.search(line) for p in patterns)
               for keywords, patterns in _token_plugins())


def _re2_options() -> Any:
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.max_mem = 64 << 20
    return options


@functools.lru_cache(maxsize=1)
def _line_filters() -> tuple[Any, ...]:
    """Searches that match once in each line that could need the detectors, from the line's
    start. Three: RE2's automaton for them together would have too many states to build."""
    import re2

    anywhere = "|".join((
        _shapes_re2(),
        _KEYWORD_RE2 + _NOT_PLACEHOLDER,
        _KEYWORD_RE2 + _KEYLIKE_OUTSIDE,
        # a key-like run the keyword is part of (six characters before it or five after), in
        # the rest of its name, or that is the option of `password --option value`
        rf"{_RUN}{{6}}{_KEYWORD_RE2}",
        rf"(?i:{_KEYWORD_NAMES})[0-9A-Za-z_.\-\x80-\xff]*[.\x80-\xff]{_KEYLIKE_RE2}[^\n]*?"
        rf"(?:[:=]|{_WIDE_SPACE}--?)",
        rf"(?i:{_KEYWORD_NAMES})[0-9A-Za-z_.\-\x80-\xff]*[\"']?{_WIDE_SPACE}+{_KEYLIKE_RE2}",
        rf"(?i:{_KEYWORD_NAMES})[0-9A-Za-z_\-\x80-\xff]{{5}}[0-9A-Za-z_.\-\x80-\xff]*[\"']?"
        rf"{_WIDE_SPACE}*(?:[:=]|=>|:=|{_WIDE_SPACE}--?[0-9A-Za-z_\x80-\xff]*{_WIDE_SPACE})",
    ))
    searches = (
        rf"(?m)^[^\n]*?(?:{anywhere})",
        rf"(?m)^{_KEYLIKE_OUTSIDE}[^\n]*?{_KEYWORD_RE2}",
        rf"(?m)^[^\n]*?{_plugin_patterns_re2()}",
    )
    return tuple(re2.compile(p.encode("ascii"), _re2_options()) for p in searches)


@functools.lru_cache(maxsize=1)
def _window_filter() -> Any:
    """What `CANDIDATE` matches (group 1), or what one of our token plugins' patterns could
    match (group 2)."""
    import re2

    pattern = f"({_shapes_re2()}|{_KEYWORD_RE2})|({_plugin_patterns_re2()})"
    return re2.compile(pattern.encode("ascii"), _re2_options())


def candidate_windows(data: bytes) -> list[tuple[int, bytes]]:
    """Pieces of a long text (an overlong line, UTF-8) around what `CANDIDATE` matches and
    what our token plugins' patterns match, merged, each with its offset."""
    search = _window_filter().search
    spans: list[tuple[int, int]] = []
    m = search(data)
    while m is not None:
        at = m.start()
        start, end = max(0, at - WINDOW_BEFORE), at + WINDOW_AFTER
        if spans and start <= spans[-1][1]:  # next to a window going to the detectors
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        elif m.group(1) is not None or token_plugin_matches(
                data[start:end].decode("utf-8", "replace")):
            spans.append((start, end))
        # The rest of a window is the detectors' to read: one search per window, however
        # dense the pieces (one closer to its end than NEAR still extends it).
        m = search(data, max(m.end(), spans[-1][1] - NEAR if spans else 0))
    return [(a, data[a:b]) for a, b in spans]


def needs_checking(line: str) -> bool:
    """Whether the detectors must see a log line: `needs_detectors` or `token_plugin_matches`."""
    return needs_detectors(line) or token_plugin_matches(line)


# Characters the per-line checks read otherwise than RE2's search: one lower-cases to two
# (see `needs_detectors`), the others match an ASCII letter when case is ignored (the Kelvin
# sign "k", the long s "s", the dotless i "i"). A line holding one is looked at.
_UNICODE_CASES = tuple(c.encode() for c in "\u0130\u0131\u017f\u212a")


def candidate_line_starts(data: bytes) -> list[int]:
    """Offsets, in order, of the lines of a block (UTF-8, lines joined by newlines) that
    `needs_checking` could be true of, and a few more."""
    found = [m.start() for f in _line_filters() for m in f.finditer(data)]
    for char in _UNICODE_CASES:
        at = data.find(char)
        while at >= 0:
            found.append(data.rfind(b"\n", 0, at) + 1)
            end = data.find(b"\n", at)
            at = -1 if end < 0 else data.find(char, end)
    return sorted(set(found))
