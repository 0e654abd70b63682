"""Action / NotAction matching: `service:Name`, case-insensitive, `*` and `?` in the name part.

The service prefix is compared literally (iam-simulate does the same; whether AWS accepts wildcards
in the prefix is unsure). `"*"` alone matches every action. A pattern with a comma, whitespace, no
colon or an empty name matches nothing.
"""

import re

from .wildcards import has_wildcard, wildcard_regex

_BAD = re.compile(r"[,\s]")


class ActionMatcher:
    __slots__ = ("any", "exact", "regex")

    def __init__(self, patterns: list[str]) -> None:
        self.any = False
        exact: set[str] = set()
        wild: list[str] = []
        for raw in patterns:
            p = raw.lower()
            if p == "*":
                self.any = True
                continue
            prefix, colon, name = p.partition(":")
            if not colon or not prefix or not name or _BAD.search(p) or has_wildcard(prefix):
                continue
            if has_wildcard(name):
                wild.append(re.escape(prefix + ":") + wildcard_regex(name))
            else:
                exact.add(p)
        self.exact = frozenset(exact)
        self.regex = re.compile("|".join(f"(?:{w})" for w in wild), re.DOTALL) if wild else None

    def matches(self, action_lc: str) -> bool:
        """`action_lc` is the request's action, already lower-cased."""
        if self.any or action_lc in self.exact:
            return True
        return self.regex is not None and self.regex.fullmatch(action_lc) is not None
