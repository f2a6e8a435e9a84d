{#- The memory balancer bulkhead-memd: configured and running when the pillar has bulkhead:memory,
    stopped otherwise. Domains start after it, so that each start can ask it for memory. #}
include:
  - bulkhead.host

bulkhead-memory-daemon:
  bulkhead_memory.managed:
    - require:
      - bulkhead_pillar: bulkhead-host-pillar-valid
