"""App Runner derives every status from the clock through runnerlink.services.common's finished() and is_gone(),
which tell the edge's read cache when an answer would change (HandlerContext.note_change). A direct comparison with
ctx.now would slip past it and let a cached answer outlive the status it shows."""

from __future__ import annotations

import math
import re
from pathlib import Path

from runnerlink.services import apprunner, common
from runnerlink.services.base import HandlerContext

APPRUNNER = Path(apprunner.__file__).parent
_COMPARED = re.compile(r"ctx\.now\s*(<|>|<=|>=|==)|(<|>|<=|>=|==)\s*ctx\.now\b")


def test_no_module_compares_ctx_now():
    offenders = [f"{path.relative_to(APPRUNNER)}:{number}: {line.strip()}"
                 for path in sorted(APPRUNNER.rglob("*.py"))
                 for number, line in enumerate(path.read_text().splitlines(), 1) if _COMPARED.search(line)]
    assert offenders == []


def _ctx(now: float) -> HandlerContext:
    return HandlerContext(account="111122223333", region="us-east-1", now=now, tx=None, lifecycle_delay=1.0,
                          request_id="r", principal_arn="arn:aws:iam::111122223333:root")


def test_finished_and_is_gone_note_the_earliest_future_change():
    ctx = _ctx(100.0)
    assert ctx.changes_at == math.inf
    assert common.finished(ctx, 90.0, 5.0)  # over already: no change to come
    assert ctx.changes_at == math.inf
    assert not common.finished(ctx, 99.0, 3.0)
    assert ctx.changes_at == 102.0
    assert not common.is_gone(ctx, {"_deleted_at": 101.5}, field="_deleted_at")
    assert ctx.changes_at == 101.5
    assert not common.finished(ctx, 100.0, 50.0)  # later than what is noted: the earliest stays
    assert not common.is_gone(ctx, {}, field="_deleted_at")
    assert ctx.changes_at == 101.5
