"""Wire protocols, driven by botocore's service models: find the operation, parse and validate input,
serialize output and errors."""
