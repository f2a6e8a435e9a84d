{#- Firewall rulesets into the running netvms, live (no restart). After the domains, so that a
    netvm started in this run gets its rules in this run. #}
include:
  - bulkhead.domains

bulkhead-firewall-rulesets:
  bulkhead_firewall.applied:
    - require:
      - sls: bulkhead.domains
