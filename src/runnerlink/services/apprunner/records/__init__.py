"""App Runner's records floor: the kinds it stores, lookups, state derived from the clock, views (record → API shape)
and the record-level changes several operations share.

Operation modules import these; these import only shared helpers, apprunner's ids/errors/revisions, each other and
EC2's records floor, never an operation module.
"""
