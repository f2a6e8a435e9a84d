#!/usr/bin/env bash
# After `make demo`: show what runs, prove the second apply changes nothing, and run the verify suite.
set -euo pipefail
salt_call=${1:?usage: demo-report.sh "SALT_CALL"}
uri=qemu:///system
echo "== domains"; virsh -c "$uri" list --all
echo "== networks"; virsh -c "$uri" net-list --all
echo "== second apply (must report no changes)"
$salt_call state.apply bulkhead --out=json > build/second-apply.json
python3 - build/second-apply.json <<'PY'
import json, sys
ret = next(iter(json.load(open(sys.argv[1])).values()))
changed = [k for k, v in ret.items() if v.get("changes")]
failed = [k for k, v in ret.items() if v.get("result") is False]
print(f"{len(ret)} states, {len(changed)} with changes, {len(failed)} failed")
sys.exit(1 if changed or failed else 0)
PY
echo "== verify (host side and inside the guests; outside's second port and DNS port as probes)"
bulkhead verify --pillar pillar/examples/workstation.sls \
  --probe 198.51.100.1:80 --probe 198.51.100.1:8080 --probe 198.51.100.1:53
