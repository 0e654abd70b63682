dhcp_domain = "corp.example"
