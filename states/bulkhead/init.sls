# The whole workstation: validated pillar, storage, networks, memory balancer, domains, firewalls, RPC policy and broker, boot sequence.
include:
  - bulkhead.host
  - bulkhead.networks
  - bulkhead.memory
  - bulkhead.domains
  - bulkhead.firewall
  - bulkhead.policy
  - bulkhead.rpc
  - bulkhead.boot
