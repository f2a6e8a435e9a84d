# Which pillar each minion gets. The demo workstation applies to every minion; a fleet would target
# one pillar per user or host here.
base:
  '*':
    - examples.workstation
