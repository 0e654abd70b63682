"""POST /_runnerlink/reset and the state endpoints (GET/POST /_runnerlink/state): what is kept outside the store is
brought in line with it, so nothing a test could observe outlives a reset or an import.

- the store: the scopes chosen, and the workloads index's entries of those scopes;
- the traffic log (a whole-server reset only): emptied, its seq still rising;
- the supervisor: a pass at once, which stops the applications of services no longer stored and releases what was
  placed for them (their egress workloads, their instance-role tokens);
- caches (the read cache, principals, compiled policies, gateway paths, the dashboard's) follow the store's
  generation, which clear() and load() move.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
import orjson

from runnerlink.runtime.supervisor import Supervisor
from runnerlink.server.context import RequestContext
from runnerlink.server.pipeline import AdminError, Pipeline
from runnerlink.server.state_document import StateDocumentError, export_document, parse_document
from runnerlink.services import workload_index
from runnerlink.services.base import GLOBAL_REGION
from runnerlink.store import DuplicateRecord

ACCOUNT = re.compile(r"\d{12}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


@dataclass(frozen=True)
class ResetScope:
    """What a reset removes: account and/or region, neither for everything."""

    account: str | None = None
    region: str | None = None

    @property
    def everything(self) -> bool:
        return self.account is None and self.region is None

    def covers(self, scope: str) -> bool:
        """Whether a store scope is removed ("<account>/<region>", "<account>/global", runnerlink's own)."""
        if self.everything:
            return True
        account, slash, region = scope.partition("/")
        if not slash:
            return False  # runnerlink's own scopes: their entries of the chosen scopes go (workloads_of)
        return (self.account is None or account == self.account) and (self.region is None or region == self.region)

    def covers_workload(self, entry_account: str, entry_region: str) -> bool:
        return self.covers(f"{entry_account}/{entry_region}")


def parse_reset(params: dict) -> ResetScope:
    """The body's {"account", "region"} (both optional); AdminError (400) for anything else."""
    unknown = sorted(set(params) - {"account", "region"})
    if unknown:
        raise AdminError(f"Unknown field {unknown[0]!r}: a reset takes \"account\" and \"region\", both optional.")
    account, region = params.get("account"), params.get("region")
    if account is not None and (not isinstance(account, str) or not ACCOUNT.fullmatch(account)):
        raise AdminError(f"account is a 12-digit AWS account id, not {json.dumps(account)}.")
    if region is not None and (not isinstance(region, str) or
                               not (region == GLOBAL_REGION or REGION.fullmatch(region))):
        raise AdminError(f"region is a region name such as us-east-1 (or \"global\" for IAM and STS), "
                         f"not {json.dumps(region)}.")
    return ResetScope(account, region)


def reset(pipeline: Pipeline, supervisor: Supervisor | None, chosen: ResetScope) -> dict:
    """Remove what `chosen` names; the summary the endpoint answers."""
    store = pipeline.store
    workloads_removed = 0
    if not chosen.everything:
        with store.transaction(workload_index.INDEX_SCOPE, write=True) as tx:
            for entry in tx.scan(workload_index.INDEX_KIND):
                if chosen.covers_workload(entry["Account"], entry["Region"]):
                    workload_index.delete(tx, entry["WorkloadId"])
                    workloads_removed += 1
    removed = store.clear(chosen.covers)
    if chosen.everything:
        workloads_removed = removed.pop(workload_index.INDEX_SCOPE, 0)  # one index entry per workload
        pipeline.traffic.clear()
    stopped = supervisor.settle() if supervisor is not None else []
    return {"reset": {"account": chosen.account, "region": chosen.region},
            "removed": {"records": sum(removed.values()), "scopes": dict(sorted(removed.items())),
                        "workloads": workloads_removed, "applications": stopped,
                        "traffic": chosen.everything},
            "trafficSeq": pipeline.traffic.seq}


def handle_reset(pipeline: Pipeline, supervisor: Supervisor | None, ctx: RequestContext) -> RequestContext:
    """POST /_runnerlink/reset: answered like runnerlink's other actions; a whole-server reset isn't recorded (the
    traffic log it empties starts empty), a scoped one is."""
    def run(handled: RequestContext, params: dict) -> dict:
        chosen = parse_reset(params)
        handled.account, handled.region = chosen.account, chosen.region  # what the traffic log shows of it
        return reset(pipeline, supervisor, chosen)

    return pipeline.handle_admin(ctx, "runnerlink", "Reset", run, record=_scoped)


def _scoped(ctx: RequestContext) -> bool:
    params = ctx.params if isinstance(ctx.params, dict) else {}
    return ctx.error is not None or bool(params.get("account") or params.get("region"))


def export_state(pipeline: Pipeline) -> bytes:
    """GET /_runnerlink/state: the document, encoded once."""
    return orjson.dumps(export_document(pipeline.store.dump(), time.time()))


def import_state(pipeline: Pipeline, supervisor: Supervisor | None, ctx: RequestContext) -> RequestContext:
    """POST /_runnerlink/state with a document: the whole state replaced, or (400) nothing changed."""
    def run(handled: RequestContext, params: dict) -> dict:
        try:
            rows = parse_document(ctx.body)
            count = pipeline.store.load(rows)
        except (StateDocumentError, DuplicateRecord) as error:
            raise AdminError(str(error), code="InvalidStateDocument") from None
        stopped = supervisor.settle() if supervisor is not None else []
        if supervisor is not None:
            supervisor.poke()
        return {"imported": {"records": count, "scopes": len({row.scope for row in rows})},
                "applications": {"stopped": stopped}}

    return pipeline.handle_admin(ctx, "runnerlink", "ImportState", run, parse_body=False)

