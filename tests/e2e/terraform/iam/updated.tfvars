policy_actions = ["apprunner:ListServices", "apprunner:DescribeService"]
