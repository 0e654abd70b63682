"""How EC2 records are stored, looked up and described: Kind (one per resource kind), put_record, and EC2's pages.

Records are stored under their kind (the TagSpecification ResourceType: "vpc", "subnet", "vpc-endpoint" …) keyed by
id, shaped as the API's member names (VpcId, CidrBlock, Tags …) so the ec2 serializer renders them directly; internal
fields start with "_".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import is_gone, paginate
from runnerlink.services.ec2.errors import EC2Error, InvalidParameterValue, not_found
from runnerlink.services.ec2.ids import is_well_formed
from runnerlink.services.ec2.records.filters import FilterField, apply_filters

MAX_RESULTS = 1000  # a Describe* page when MaxResults is not given
MALFORMED_IS_NOT_FOUND = "NotFound"  # Kind.malformed_code of a kind AWS has no Malformed code for


def bad_token() -> EC2Error:
    """EC2's answer to a NextToken it did not issue."""
    return InvalidParameterValue("Unable to parse pagination token", code="InvalidNextToken")


def page(key: str, items: list, token: str | None) -> dict:
    return {key: items, **({"NextToken": token} if token else {})}


def put_record(ctx: HandlerContext, kind: str, key: str, record: dict) -> None:
    """Every EC2 write goes through here: the record is stored under its VPC (its "VpcId", when it has one), the parent
    Kind.in_vpc and Describe*'s vpc-id filter read by. A put without it would drop the record from that index."""
    vpc_id = record.get("VpcId")
    ctx.tx.put(kind, key, record, parent=vpc_id if isinstance(vpc_id, str) and vpc_id else None)


@dataclass(frozen=True)
class Kind:
    """How one resource kind is looked up, described and named in errors."""

    name: str  # store kind == TagSpecification ResourceType
    prefix: str  # id prefix ("vpc")
    id_field: str  # the record's id member ("VpcId")
    code: str  # error code prefix ("InvalidVpcID")
    noun: str  # for "The <noun> '<id>' does not exist" ("vpc ID")
    filters: dict[str, FilterField]  # filter name → value(s); tag filters are added for every kind
    # The filter whose values are VPC ids matched exactly against the record's VpcId, the parent it is stored under:
    # Describe* with it reads only those VPCs' records (set only where filters[parent_filter] reads r["VpcId"]).
    parent_filter: str | None = None
    # AWS's code for an id not of the kind's form, when it is not "<code>.Malformed": the casing differs for some
    # kinds ("InvalidRouteTableId.Malformed" beside "InvalidRouteTableID.NotFound"), and some kinds have no Malformed
    # code at all (allocation ids: NotFound either way) — MALFORMED_IS_NOT_FOUND.
    malformed_code: str | None = None

    def malformed(self, resource_id: str) -> EC2Error:
        """AWS's answer to an id not of this kind's form ("vpc-12345", "subnet-zz")."""
        if self.malformed_code == MALFORMED_IS_NOT_FOUND:
            return not_found(self.code, self.noun, resource_id)
        return EC2Error(self.malformed_code or f"{self.code}.Malformed",
                        f'Invalid id: "{resource_id}" (expecting "{self.prefix}-...")')

    def get(self, ctx: HandlerContext, resource_id: str, shared: bool = False) -> dict:
        """The record, or AWS's Malformed / NotFound error. shared: for a caller that changes no nested object of it
        (Transaction.get_shared)."""
        if not is_well_formed(resource_id, self.prefix):
            raise self.malformed(resource_id)
        record = ctx.tx.get_shared(self.name, resource_id) if shared else ctx.tx.get(self.name, resource_id)
        if record is None or is_gone(ctx, record):
            raise not_found(self.code, self.noun, resource_id)
        return record

    def find(self, ctx: HandlerContext, resource_id: str) -> dict | None:
        record = ctx.tx.get(self.name, resource_id) if is_well_formed(resource_id, self.prefix) else None
        return None if record is None or is_gone(ctx, record) else record

    def put(self, ctx: HandlerContext, record: dict) -> None:
        put_record(ctx, self.name, record[self.id_field], record)

    def all(self, ctx: HandlerContext, shared: bool = False) -> list[dict]:
        scan = ctx.tx.scan_shared if shared else ctx.tx.scan
        return [r for r in scan(self.name) if not is_gone(ctx, r)]

    def in_vpc(self, ctx: HandlerContext, vpc_id: str | Iterable[str], shared: bool = False) -> list[dict]:
        """The records whose VpcId is vpc_id (one of them), through the store's parent index: all(ctx) filtered by
        VpcId, without reading the other VPCs' records (none for None: no record has VpcId None)."""
        if vpc_id is None:
            return []
        scan = ctx.tx.scan_shared if shared else ctx.tx.scan
        return [r for r in scan(self.name, parent=vpc_id) if not is_gone(ctx, r)]

    def candidates(self, ctx: HandlerContext, filters: list[dict] | None, shared: bool = False) -> list[dict]:
        """What Describe* filters: all(ctx), or just the records of the VPCs a parent_filter names when its values
        are plain ids (no wildcards). The filters still run on the result, so the answer is the same either way."""
        if self.parent_filter:
            for spec in filters or []:
                if spec.get("Name") == self.parent_filter:
                    values = spec.get("Values") or []
                    if all(isinstance(v, str) and "*" not in v and "?" not in v for v in values):
                        return self.in_vpc(ctx, values, shared)
        return self.all(ctx, shared)

    def describe(self, ctx: HandlerContext, params: dict, ids_param: str | None, derive: Callable | None = None,
                 paged: bool = True) -> tuple[list[dict], str | None]:
        """Describe*: the records named by params[ids_param] (all named must exist), filtered, one page of them.
        Only the named records (or a parent_filter's VPCs' records) are read and derived."""
        wanted = params.get(ids_param) if ids_param else None
        if wanted:
            records = []
            for resource_id in dict.fromkeys(wanted):
                record = self.get(ctx, resource_id)  # raises Malformed / NotFound
                if derive is not None:
                    record = derive(ctx, record)
                    if record is None:
                        raise not_found(self.code, self.noun, resource_id)
                records.append(record)
        else:
            records = self.candidates(ctx, params.get("Filters"))
            if derive is not None:
                records = [derive(ctx, r) for r in records]
                records = [r for r in records if r is not None]
        records = apply_filters(records, params.get("Filters"), self.filters)
        if not paged:
            return records, None
        return paginate(records, params, bad_token, MAX_RESULTS)
