# The whole workstation: validated pillar, storage, networks, memory balancer, domains, firewalls, RPC policy.
include:
  - bulkhead.host
  - bulkhead.networks
  - bulkhead.memory
  - bulkhead.domains
  - bulkhead.firewall
  - bulkhead.policy
