# The whole workstation: validated pillar, storage, networks, memory balancer, domains, RPC policy.
include:
  - bulkhead.host
  - bulkhead.networks
  - bulkhead.memory
  - bulkhead.domains
  - bulkhead.policy
