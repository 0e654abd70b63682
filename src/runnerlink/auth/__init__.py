"""Who sent a request: SigV4 parsing, access key to principal."""
