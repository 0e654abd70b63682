"""`runnerlink log`'s table: how an entry's source reads."""

from runnerlink.traffic_text import row

SOURCE = 3


def test_a_workload_of_a_service_reads_as_its_name():
    entry = {"time": 0, "source": "vpc", "workload": "wl-1", "workloadName": "apprunner:web", "subnet": "subnet-1",
             "address": "10.0.1.4", "outcome": "endpoint", "endpoint": "vpce-1", "status": 200}
    assert row(entry)[SOURCE] == "apprunner:web/subnet-1/10.0.1.4"
    assert row(entry)[SOURCE + 1] == "endpoint vpce-1"


def test_a_plain_workload_and_an_older_entry_read_as_the_workload_id():
    entry = {"time": 0, "source": "vpc", "workload": "wl-1", "subnet": "subnet-1", "address": "10.0.1.4",
             "outcome": "internet", "status": 200}
    assert row(entry)[SOURCE] == "wl-1/subnet-1/10.0.1.4"
    assert row({**entry, "workloadName": None})[SOURCE] == "wl-1/subnet-1/10.0.1.4"


def test_the_decision_names_the_deciding_policy_and_statement():
    from runnerlink.traffic_text import decision_text

    assert decision_text(None) == "-"
    assert decision_text({"result": "allowed", "policy": "identity", "policyName": "ListOnly",
                          "statement": {"sid": "Lists", "index": 0, "effect": "Allow"}}) == \
        "allowed by identity-based policy ListOnly (Lists)"
    assert decision_text({"result": "explicitDeny", "policy": "endpoint", "endpoint": "vpce-1",
                          "statement": {"sid": None, "index": 1, "effect": "Deny"}}) == \
        "explicitDeny by VPC endpoint policy vpce-1 (#1)"
    assert decision_text({"result": "implicitDeny", "policy": "boundary", "policyName": None, "statement": None}) == \
        "implicitDeny: no permissions boundary allows"
    assert decision_text({"result": "implicitDeny", "policy": "trust", "statement": None,
                          "policyName": "trust policy of arn:aws:iam::111122223333:role/r"}) == \
        "implicitDeny: no trust policy of arn:aws:iam::111122223333:role/r allows"
    assert decision_text({"result": "allowed", "policy": "endpoint", "default": True, "statement": None}) == \
        "allowed (default policy)"
