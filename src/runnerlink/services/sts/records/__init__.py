"""STS's record helpers: the role a request names (in whichever account), its trust policy, session inputs."""
