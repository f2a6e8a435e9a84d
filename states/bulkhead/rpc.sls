{#- The RPC broker: mediates every call between domains over their RPC channels, by the policy
    bulkhead.policy installs. Started after the policy files so that its first call already
    sees them; it picks up later policy and pillar changes by itself. #}
include:
  - bulkhead.host
  - bulkhead.policy

bulkhead-rpc-broker:
  bulkhead_rpc.broker_running:
    - require:
      - bulkhead_pillar: bulkhead-host-pillar-valid
      - bulkhead_policy: bulkhead-policy-files
