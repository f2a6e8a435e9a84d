{#- Host prerequisites. Every other bulkhead state requires the pillar check, so an invalid pillar
    changes nothing. #}
bulkhead-host-pillar-valid:
  bulkhead_pillar.valid: []

bulkhead-host-pool:
  bulkhead_pool.present:
    - require:
      - bulkhead_pillar: bulkhead-host-pillar-valid
