# The update step.
# web: numeric instance sizes this time (the API's own form), an HTTP health check, the other scaling
# configuration, one more environment variable, and changed tags — one UpdateService plus tagging calls.
web_cpu    = "2048"
web_memory = "4096"
web_health_check = {
  protocol            = "HTTP"
  path                = "/healthz"
  interval            = 10
  timeout             = 5
  healthy_threshold   = 2
  unhealthy_threshold = 3
}
web_scaling_index = 1
web_environment   = { GREETING = "hello", LOG_LEVEL = "debug" }
web_tags          = { App = "web", Stage = "prod" }

# site: both arguments force a new association (the old domain is disassociated, the new one associated).
site_domain_name          = "shop.example.com"
site_enable_www_subdomain = false
site_tags                 = { App = "site", Stage = "prod" }
