#!/usr/bin/env bash
# Start virtlogd and libvirtd directly (no systemd as PID 1 here) and wait until qemu:///system answers.
# Idempotent: a daemon whose socket answers is left alone. A daemon is started again when none
# answers and its pidfile names no live process of that name: after `kill -9 libvirtd` the old
# process may linger as a zombie (nobody reaps it), which is not a daemon; looking the daemon up by
# name (pgrep) found the zombie and never started a new one.
# The BULKHEAD_* variables exist for tests (a fake daemon in a tmp dir); the defaults are the host's.
set -euo pipefail
LIBVIRTD=${BULKHEAD_LIBVIRTD:-libvirtd}
VIRTLOGD=${BULKHEAD_VIRTLOGD:-virtlogd}
LIBVIRTD_PIDFILE=${BULKHEAD_LIBVIRTD_PIDFILE:-/run/libvirtd.pid}
VIRTLOGD_PIDFILE=${BULKHEAD_VIRTLOGD_PIDFILE:-/run/virtlogd.pid}
LIBVIRTD_SOCK=${BULKHEAD_LIBVIRTD_SOCK:-/run/libvirt/libvirt-sock}
VIRTLOGD_SOCK=${BULKHEAD_VIRTLOGD_SOCK:-/run/libvirt/virtlogd-sock}
URI=${BULKHEAD_LIBVIRT_URI-qemu:///system}  # empty: the socket answering is enough (tests)
KVM_DEVICE=${BULKHEAD_KVM_DEVICE:-/dev/kvm}
read -r -a DIRS <<<"${BULKHEAD_LIBVIRT_DIRS:-/run/libvirt /var/lib/libvirt/images /var/log/libvirt/qemu}"
WAIT_S=${BULKHEAD_LIBVIRT_WAIT_S:-30}

# Without udev, /dev/kvm stays root-only; libvirt then sees KVM "vanish" for the qemu user and
# re-probes QEMU's capabilities on every domain start (minutes of delay). Debian's udev rule gives
# it to group kvm; do the same.
if [ -c "$KVM_DEVICE" ] && getent group kvm >/dev/null; then
  chgrp kvm "$KVM_DEVICE" && chmod 0660 "$KVM_DEVICE"
fi
mkdir -p "${DIRS[@]}"

# Does a process listen on this unix socket? (A dead daemon's socket file stays: connect is refused.)
answers() {
  timeout 5 python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect(sys.argv[1])' "$1" 2>/dev/null
}

# The pid in the pidfile when it is a live (not zombie) process named like the daemon; else nothing.
live_pid() {
  local pidfile=$1 name pid stat comm
  name=$(basename "$2")
  pid=$(tr -dc '0-9' 2>/dev/null <"$pidfile") || true
  [ -n "$pid" ] || return 0
  read -r stat comm < <(ps -o stat=,comm= -p "$pid" 2>/dev/null) || true
  if [ -n "${stat:-}" ] && [ "${stat:0:1}" != Z ] && [ "$comm" = "${name:0:15}" ]; then
    echo "$pid"
  fi
}

# Start the daemon unless it answers or is alive (still starting, or hung: a second one would
# only fail on the pidfile lock, so that is reported by the wait below instead).
ensure() {
  local bin=$1 pidfile=$2 sock=$3
  answers "$sock" && return 0
  [ -n "$(live_pid "$pidfile" "$bin")" ] && return 0
  "$bin" -d -p "$pidfile"
}

ready() {
  answers "$VIRTLOGD_SOCK" && answers "$LIBVIRTD_SOCK" \
    && { [ -z "$URI" ] || timeout 10 virsh -c "$URI" version >/dev/null 2>&1; }
}

ensure "$VIRTLOGD" "$VIRTLOGD_PIDFILE" "$VIRTLOGD_SOCK"
ensure "$LIBVIRTD" "$LIBVIRTD_PIDFILE" "$LIBVIRTD_SOCK"
for _ in $(seq 1 $((WAIT_S * 2))); do
  ready && exit 0
  sleep 0.5
done
for d in "$VIRTLOGD:$VIRTLOGD_PIDFILE:$VIRTLOGD_SOCK" "$LIBVIRTD:$LIBVIRTD_PIDFILE:$LIBVIRTD_SOCK"; do
  IFS=: read -r bin pidfile sock <<<"$d"
  answers "$sock" && continue
  pid=$(live_pid "$pidfile" "$bin")
  echo "$(basename "$bin") did not answer on $sock within $WAIT_S s" \
    "(${pid:+pid $pid is alive but silent}${pid:-no live process in $pidfile})" >&2
done
[ -z "$URI" ] || echo "libvirtd did not answer on $URI within $WAIT_S s" >&2
exit 1
