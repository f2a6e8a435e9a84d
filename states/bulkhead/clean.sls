{#- The clean counterpart of bulkhead (template-formula's clean.sls): removes this workstation's
    domains and networks that the pillar no longer declares, keeping their private volumes unless
    bulkhead:purge names them. Empty bulkhead:domains to remove the whole workstation. Another
    workstation's objects on the same host are never touched. #}
include:
  - bulkhead.host

bulkhead-clean-pruned:
  bulkhead_workstation.pruned:
    - require:
      - bulkhead_pillar: bulkhead-host-pillar-valid
