# The update step: one entry is replaced and the list grows to 8 entries (the provider changes MaxEntries in a call
# of its own, before the entries). A description-only change is left out: hashicorp/aws 5.100.0 then sends a stale
# CurrentVersion on its second call (its issue #43528), which AWS — and runnerlink — refuse.
office_cidrs = {
  "198.51.100.0/24" = "office"
  "192.0.2.128/25"  = "branch"
}
max_entries = 8
