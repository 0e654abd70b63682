"""runnerlink audit: App Runner's privacy considerations as checks over one network model.

Three sources read a network into `AuditModel` (`sources/`: the running runnerlink, a Terraform plan or state as
JSON, any EC2/App Runner API through boto3); the rules (`rules/`, pure) turn it into findings; `report/` renders them
(text, JSON, SARIF 2.1.0, a self-contained HTML page). This package sits beside `cli`: it may use `network/` and
`policy/`, and nothing below it imports it but the server's model endpoint (`server/audit_view.py`)."""
