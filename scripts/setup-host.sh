#!/usr/bin/env bash
# Install and start everything bulkhead needs on a Debian 12 host: libvirt, QEMU, nftables,
# the build tools for libvirt-python, and the Python package itself (editable, with test extras).
# Idempotent: a second run installs nothing and leaves running daemons alone.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libvirt-daemon-system libvirt-clients libvirt-dev pkg-config
  qemu-system-x86 qemu-utils nftables iproute2 dnsmasq-base
  busybox-static cpio zstd xz-utils libxml2-utils ebtables e2fsprogs
  systemd  # systemd-analyze: the unit files are verified in tests/unit
  graphviz  # dot: bulkhead tcb --svg draws the workstation
  waypipe bubblewrap  # the GUI relay: waypipe client in a bubblewrap sandbox (docs/gui.md)
  sway foot grim wl-clipboard wayland-utils  # the GUI tests' headless compositor, app, screenshots
  python3-gi gir1.2-spiceclientglib-2.0  # bench.gui's SPICE client (/usr/bin/python3)
  mmdebstrap  # Debian templates (bulkhead:images; the example workstation's app domains)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The guest image builder downloads Debian packages too, so the package lists must exist.
have_lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -print -quit 2>/dev/null || true)
if [ ${#missing[@]} -gt 0 ] || [ -z "$have_lists" ]; then

  apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m pip install -q -e '.[test]'

scripts/start-libvirt.sh
