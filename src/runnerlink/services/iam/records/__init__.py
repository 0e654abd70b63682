"""IAM's stored records (store scope "<account>/global"): the kinds and lookups the handlers, STS and the edge share.
The kinds and their fields are listed in docs/layout.md's identity section."""
