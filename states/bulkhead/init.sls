# The whole workstation: validated pillar, storage, networks, domains, RPC policy.
include:
  - bulkhead.host
  - bulkhead.networks
  - bulkhead.domains
  - bulkhead.policy
