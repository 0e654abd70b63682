"""DescribeVpcEndpointServices."""

from __future__ import annotations

from runnerlink.services.base import HandlerContext
from runnerlink.services.common import paginate
from runnerlink.services.ec2.records.endpoint_services import (
    catalogue,
    endpoint_types,
    find_service,
    service_not_found,
)
from runnerlink.services.ec2.records.filters import apply_filters
from runnerlink.services.ec2.records.kind import MAX_RESULTS, bad_token, page

_FILTERS = {
    "service-name": lambda d: d["ServiceName"],
    "service-type": lambda d: endpoint_types(d),
    "service-region": lambda d: d["ServiceRegion"],
    "owner": lambda d: d["Owner"],
    "supported-ip-address-types": lambda d: d["SupportedIpAddressTypes"],
}


def describe_vpc_endpoint_services(ctx: HandlerContext, params: dict) -> dict:
    details = catalogue(ctx.region)
    wanted = params.get("ServiceNames")
    if wanted:
        for name in wanted:
            if find_service(ctx.region, name) is None:
                raise service_not_found(name)
        details = [d for d in details if d["ServiceName"] in wanted]
    regions = params.get("ServiceRegions")
    if regions:
        details = [d for d in details if d["ServiceRegion"] in regions]
    details = apply_filters(details, params.get("Filters"), _FILTERS)
    limits = {**params, "MaxResults": min(params.get("MaxResults") or MAX_RESULTS, MAX_RESULTS)}
    items, token = paginate(details, limits, bad_token, MAX_RESULTS)
    result = page("ServiceDetails", items, token)
    result["ServiceNames"] = list(dict.fromkeys(d["ServiceName"] for d in items))
    return result


HANDLERS = {"DescribeVpcEndpointServices": describe_vpc_endpoint_services}
READ_ONLY = {"DescribeVpcEndpointServices"}
