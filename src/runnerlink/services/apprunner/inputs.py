"""App Runner's wording for the request input every operation refuses alike: tags and page tokens."""

from __future__ import annotations

from runnerlink.services.apprunner.errors import InvalidRequest
from runnerlink.services.common import TagRules

TAG_RULES = TagRules(
    reserved=lambda key: InvalidRequest(f"Tag keys starting with 'aws:' are reserved for AWS use: {key}"),
    too_many=lambda limit: InvalidRequest(f"A resource can have at most {limit} tags."),
    missing_key=lambda: InvalidRequest("Each tag needs a Key."),
)


def bad_token() -> InvalidRequest:
    """A NextToken we didn't issue (for common.paginate)."""
    return InvalidRequest("The NextToken is not valid. Pass the NextToken of a previous response.")
