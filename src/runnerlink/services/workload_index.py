"""Which account and region each workload lives in, kept in a scope of runnerlink's own (not an account/region),
so the subnet gateway finds a workload from its proxy credentials alone and `runnerlink workloads` lists them all."""

from __future__ import annotations

from runnerlink.store import Transaction

INDEX_SCOPE = "runnerlink"
INDEX_KIND = "workload-scope"


def put(tx: Transaction, record: dict) -> None:
    tx.put(INDEX_KIND, record["WorkloadId"], {"WorkloadId": record["WorkloadId"], "Account": record["Account"],
                                             "Region": record["Region"]})


def find(tx: Transaction, workload_id: str) -> tuple[str, str] | None:
    """(account, region) of the workload, if it exists."""
    entry = tx.get(INDEX_KIND, workload_id)
    return (entry["Account"], entry["Region"]) if entry else None


def scopes(tx: Transaction) -> list[tuple[str, str]]:
    """Every (account, region) holding workloads."""
    return list(dict.fromkeys((e["Account"], e["Region"]) for e in tx.scan(INDEX_KIND)))


def delete(tx: Transaction, workload_id: str) -> None:
    tx.delete(INDEX_KIND, workload_id)
