#!/usr/bin/env bash
# Write a masterless minion config that uses this checkout's formula (states/) and pillar (pillar/).
# The bulkhead_* modules come from the installed saltext-bulkhead package (salt.loader entry point),
# never from copies in _modules.
set -euo pipefail
dir=${1:?usage: salt-config.sh DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir/cache" "$dir/log"
cat > "$dir/minion" <<CONF
id: $(hostname -s 2>/dev/null || echo workstation)
file_client: local
file_roots:
  base:
    - $root/states
pillar_roots:
  base:
    - $root/pillar
cachedir: $dir/cache
log_file: $dir/log/minion
state_verbose: False
CONF
