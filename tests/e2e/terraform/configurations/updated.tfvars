# The update step: tags changed in place everywhere, and the account default moved to the other candidate.
scaling_tags       = { Team = "platform", Stage = "prod" }
default_index      = 1
observability_tags = { Team = "observability", CostCenter = "42" }
connection_tags    = { Team = "web", Owner = "alice" }
