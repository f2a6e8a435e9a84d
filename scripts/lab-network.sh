#!/bin/sh
# The lab's stand-in for the internet: a libvirt network bulkhead does not manage, an isolated
# bridge with no host address (so no domain can reach the host through it). Idempotent.
# Usage: scripts/lab-network.sh [NAME] (default lab-internet)
set -eu
name=${1:-lab-internet}
uri=${LIBVIRT_URI:-qemu:///system}
if ! virsh -q -c "$uri" net-info "$name" >/dev/null 2>&1; then
    xml=$(mktemp)
    trap 'rm -f "$xml"' EXIT
    printf '<network>\n  <name>%s</name>\n</network>\n' "$name" > "$xml"
    virsh -q -c "$uri" net-define "$xml" >/dev/null
fi
virsh -q -c "$uri" net-info "$name" | grep -q '^Active: *yes' || virsh -q -c "$uri" net-start "$name" >/dev/null
echo "$name: active"
