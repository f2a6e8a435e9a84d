{#- RPC policy files from bulkhead:policy. The whole resulting policy is validated before any file
    is installed, so an invalid pillar policy never replaces a working one. #}
include:
  - bulkhead.host

bulkhead-policy-files:
  bulkhead_policy.managed:
    - require:
      - bulkhead_pillar: bulkhead-host-pillar-valid
