#!/usr/bin/env bash
# Start virtlogd and libvirtd directly (no systemd as PID 1 here) and wait until qemu:///system answers.
set -euo pipefail
# Without udev, /dev/kvm stays root-only; libvirt then sees KVM "vanish" for the qemu user and
# re-probes QEMU's capabilities on every domain start (minutes of delay). Debian's udev rule gives
# it to group kvm; do the same.
if [ -c /dev/kvm ] && getent group kvm >/dev/null; then
  chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
fi
mkdir -p /run/libvirt /var/lib/libvirt/images /var/log/libvirt/qemu
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x libvirtd >/dev/null || libvirtd -d
for _ in $(seq 1 60); do
  virsh -c qemu:///system version >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "libvirtd did not answer on qemu:///system within 30 s" >&2
exit 1
