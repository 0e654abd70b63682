"""Running App Runner services' applications: their sources, builds, processes, health checks and output.

A layer between services/ (which it reads and records results into, through the store) and server/ (which starts
its supervisor and proxies requests to the instances it runs). It never imports server/ or cli.
"""
