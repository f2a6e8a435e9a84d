#!/usr/bin/env bash
# Write a masterless minion config that uses this checkout's formula (states/) and a pillar
# directory (default: this checkout's pillar/).
# The bulkhead_* modules come from the installed saltext-bulkhead package (salt.loader entry point),
# never from copies in _modules.
set -euo pipefail
dir=${1:?usage: salt-config.sh DIR [PILLAR_DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
pillar=${2:-$root/pillar}
mkdir -p "$dir/cache" "$dir/log"
# The id bulkhead takes for this machine's own workstation (/etc/salt/minion's id, else the stored
# one, else the one Salt would choose): named otherwise, the demo's workstation would be a second
# one on its own host, and `bulkhead verify --pillar` (which has no minion id) would check
# another workstation.
id=$(python3 -c 'from saltext.bulkhead.model.workstation import local_minion_id
print(local_minion_id())')
cat > "$dir/minion" <<CONF
id: $id
file_client: local
file_roots:
  base:
    - $root/states
pillar_roots:
  base:
    - $pillar
cachedir: $dir/cache
log_file: $dir/log/minion
state_verbose: False
CONF
