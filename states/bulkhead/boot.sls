{#- The boot sequence: with systemd, bulkhead-boot.service starts the domains marked autostart
    at host boot, netvms first, after bulkhead-memd and the broker (whose pillar file it reads). #}
include:
  - bulkhead.host
  - bulkhead.memory
  - bulkhead.rpc

bulkhead-boot:
  bulkhead_boot.installed:
    - require:
      - bulkhead_pillar: bulkhead-host-pillar-valid
      - sls: bulkhead.memory
      - sls: bulkhead.rpc
