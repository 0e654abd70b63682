"""The EC2 records floor: each kind's lookups, derived states, API views and the record-level changes several
operations share. Records modules import shared helpers and each other, never an operation module."""
