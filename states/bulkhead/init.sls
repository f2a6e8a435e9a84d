{#- The whole workstation: validated pillar, storage, networks, memory balancer, domains,
    firewalls, RPC policy and broker, boot sequence; with bulkhead:prune, then the removal of
    what the pillar no longer declares (bulkhead.clean). #}
{%- from tpldir ~ "/map.jinja" import bulkhead with context %}
include:
  - bulkhead.host
  - bulkhead.networks
  - bulkhead.memory
  - bulkhead.domains
  - bulkhead.firewall
  - bulkhead.policy
  - bulkhead.rpc
  - bulkhead.boot
{%- if bulkhead.prune %}
  - bulkhead.clean

extend:
  bulkhead-clean-pruned:
    bulkhead_workstation:
      - require:
        - sls: bulkhead.domains
        - sls: bulkhead.firewall
{%- endif %}
