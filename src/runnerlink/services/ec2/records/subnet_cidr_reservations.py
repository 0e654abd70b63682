"""Subnet CIDR reservations: a range of a subnet's addresses (IPv4, or of its IPv6 /64) kept from automatic
assignment. Each is its own record (for ids, tags and lookups); the subnet keeps a copy of its reservations' ranges
("_reservations") so that handing out an address needs no other read."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.ec2.records.kind import Kind, put_record

RESERVATION = Kind(
    name="subnet-cidr-reservation", prefix="scr", id_field="SubnetCidrReservationId",
    code="InvalidSubnetCidrReservationID", noun="subnet CIDR reservation ID",
    filters={
        "reservationType": lambda r: r["ReservationType"],
        "subnet-id": lambda r: r["SubnetId"],
        "owner-id": lambda r: r["OwnerId"],
    },
)


def of_subnet(ctx: HandlerContext, subnet_id: str) -> list[dict]:
    return [r for r in RESERVATION.all(ctx) if r["SubnetId"] == subnet_id]


def mirror(subnet: dict, reservations: list[dict]) -> None:
    """Set the subnet's copy of its reservations' ranges (the caller stores the subnet)."""
    subnet["_reservations"] = [{"Id": r["SubnetCidrReservationId"], "Cidr": r["Cidr"],
                                "ReservationType": r["ReservationType"]} for r in reservations]


def forget_reservations(ctx: HandlerContext, subnet_id: str) -> None:
    """A deleted subnet's reservations go with it."""
    for reservation in of_subnet(ctx, subnet_id):
        ctx.tx.delete(RESERVATION.name, reservation["SubnetCidrReservationId"])


def store(ctx: HandlerContext, reservation: dict) -> None:
    put_record(ctx, RESERVATION.name, reservation["SubnetCidrReservationId"], reservation)
