"""IAM wildcard patterns (`*` any run, `?` one character) translated to regular expressions."""

import re


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def wildcard_regex(pattern: str, star: str = ".*", qmark: str = ".") -> str:
    """The regex source for `pattern`; everything but `*` and `?` is literal."""
    out = []
    literal = []
    for ch in pattern:
        if ch == "*" or ch == "?":
            if literal:
                out.append(re.escape("".join(literal)))
                literal = []
            out.append(star if ch == "*" else qmark)
        else:
            literal.append(ch)
    if literal:
        out.append(re.escape("".join(literal)))
    return "".join(out)


def compile_wildcard(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(wildcard_regex(pattern), flags)
