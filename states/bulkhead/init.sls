# The whole workstation: validated pillar, storage, networks, domains.
include:
  - bulkhead.host
  - bulkhead.networks
  - bulkhead.domains
