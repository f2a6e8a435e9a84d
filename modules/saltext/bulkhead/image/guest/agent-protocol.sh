# bulkhead guest agent protocol (sourced by /sbin/bulkhead-agent; needs $name set).
# Requests must be a flat object of "key": integer or "key": "string without quotes or
# backslashes"; anything else is refused. That fixed shape keeps the parser a few lines of sed;
# payloads that need more (commands, rulesets) travel base64-encoded.
MAX_REQUEST=131072
MAX_OUTPUT=16384
AGENT_RUN=${AGENT_RUN:-/run/bulkhead/agent}
NET_CONFIG=${NET_CONFIG:-/run/bulkhead/config/network}

field() {  # field KEY LINE -> the raw JSON value of KEY (digits, or a string with its quotes)
    printf '%s' "$2" | sed -n "s/.*\"$1\" *: *\\(-\\{0,1\\}[0-9][0-9]*\\|\"[^\"]*\"\\).*/\\1/p"
}

text_field() {  # text_field KEY LINE -> the string value of KEY without quotes ('' if absent)
    value=$(field "$1" "$2")
    case "$value" in \"*\") value=${value#\"}; printf '%s' "${value%\"}" ;; esac
}

b64() { base64 | tr -d '\n'; }

fail() { echo "{\"id\": $id, \"ok\": false, \"error\": \"$1\"}"; }

# Drops to another uid/gid (the image has no /etc/passwd for su) after reading the command as root.
RUN_AS='import os, sys
uid, gid, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
command = open(path).read()
os.setgroups([]); os.setgid(gid); os.setuid(uid); os.chdir("/")
os.execv("/bin/sh", ["sh", "-c", command])'
PYTHON=${PYTHON:-python3.11}

op_run() {  # run a shell command (base64 in "cmd"), input from "stdin", at most "limit" seconds
    secs=$(field limit "$1")
    case "$secs" in '') secs=30 ;; *[!0-9]* | 0) fail "bad limit"; return ;; esac
    uid=$(field uid "$1"); gid=$(field gid "$1")
    case "$uid$gid" in *[!0-9]*) fail "bad uid or gid"; return ;; esac
    mkdir -p "$AGENT_RUN" && work=$(mktemp -d "$AGENT_RUN/run.XXXXXX") || { fail "no work dir"; return; }
    if ! text_field cmd "$1" | base64 -d > "$work/cmd" 2>/dev/null || [ ! -s "$work/cmd" ]; then
        rm -rf "$work"; fail "cmd must be non-empty base64"; return
    fi
    if ! text_field stdin "$1" | base64 -d > "$work/in" 2>/dev/null; then
        rm -rf "$work"; fail "stdin must be base64"; return
    fi
    start=$(cut -d. -f1 /proc/uptime)
    if [ -z "$uid" ] || [ "$uid" = 0 ]; then
        timeout -s KILL "$secs" sh "$work/cmd" <"$work/in" >"$work/out" 2>"$work/err"
    else
        timeout -s KILL "$secs" "$PYTHON" -IS -c "$RUN_AS" "$uid" "${gid:-$uid}" "$work/cmd" \
            <"$work/in" >"$work/out" 2>"$work/err"
    fi
    rc=$?
    expired=false  # killed by the limit, not by a signal of its own: the host says so in words
    [ "$rc" = 137 ] && [ $(($(cut -d. -f1 /proc/uptime) - start)) -ge "$secs" ] && expired=true &&
        sed -i '$ { /^Killed$/ d }' "$work/err"  # the shell's word for it; the host says it better
    truncated=false
    [ "$(wc -c < "$work/out")" -gt $MAX_OUTPUT ] || [ "$(wc -c < "$work/err")" -gt $MAX_OUTPUT ] &&
        truncated=true
    out=$(head -c $MAX_OUTPUT "$work/out" | b64)
    err=$(head -c $MAX_OUTPUT "$work/err" | b64)
    rm -rf "$work"
    echo "{\"id\": $id, \"ok\": true, \"rc\": $rc, \"stdout\": \"$out\", \"stderr\": \"$err\", \"truncated\": $truncated, \"expired\": $expired}"
}

serving_iface() { awk '$1 == "iface" && $4 == "serving" { print $2; exit }' "$NET_CONFIG" 2>/dev/null; }

sync_client_routes() {  # sync_client_routes "IP IP ..." -> /32 routes to exactly these clients
    dev=$(serving_iface)
    [ -n "$dev" ] || return 0
    for ip in $(cat "$AGENT_RUN/clients" 2>/dev/null); do
        case " $1 " in *" $ip "*) ;; *) ip route del "$ip/32" dev "$dev" 2>/dev/null ;; esac
    done
    for ip in $1; do ip route replace "$ip/32" dev "$dev" || return 1; done
    echo "$1" > "$AGENT_RUN/clients"
}

op_firewall() {  # load a ruleset (base64 in "ruleset") atomically, then route to "clients"
    clients=$(text_field clients "$1")
    case "$clients" in *[!0-9.\ ]*) fail "clients must be IPv4 addresses"; return ;; esac
    mkdir -p "$AGENT_RUN"
    new="$AGENT_RUN/firewall.new"
    if ! text_field ruleset "$1" | base64 -d > "$new" 2>/dev/null || [ ! -s "$new" ]; then
        fail "ruleset must be non-empty base64"; return
    fi
    # nft -f is one transaction: a rejected ruleset leaves the one in force untouched.
    if ! nft -f "$new" 2>"$AGENT_RUN/firewall.err"; then
        # The reason goes back in the answer, reduced to characters that cannot break the JSON.
        why=$(head -n 3 "$AGENT_RUN/firewall.err" | tr '\n\t' '  ' | tr -cd 'A-Za-z0-9 .,:;_()/+=-' | head -c 300)
        fail "nft refused the ruleset: $why"; return
    fi
    mv "$new" "$AGENT_RUN/firewall.nft"
    sync_client_routes "$clients" || { fail "cannot route clients"; return; }
    op_firewall_status
}

load_boot_ruleset() {  # load_boot_ruleset DEVICE -> one line saying what happened (init, at boot)
    # A netvm's firewall volume holds the ruleset the host last applied (net/boot_ruleset.py): a
    # 512-byte header "bulkhead-firewall 1 LENGTH SHA256", then the text. It is loaded only when
    # whole and intact, over the boot firewall in one nft transaction; otherwise that one stays.
    [ -r "$1" ] || { echo "no firewall volume $1"; return 0; }
    set -f
    set -- "$1" $(head -c 160 "$1" | tr -d '\000')
    set +f
    if [ "$2 $3" != "bulkhead-firewall 1" ]; then echo "no boot ruleset on $1"; return 0; fi
    case "$4" in '' | *[!0-9]*) echo "boot ruleset header damaged"; return 0 ;; esac
    mkdir -p "$AGENT_RUN"
    dd if="$1" bs=512 skip=1 2>/dev/null | head -c "$4" > "$AGENT_RUN/boot.nft"
    if [ "$(sha256sum < "$AGENT_RUN/boot.nft" | cut -c1-64)" != "$5" ]; then
        echo "boot ruleset damaged: not loaded"
    elif nft -f "$AGENT_RUN/boot.nft" 2>/dev/null; then
        mv "$AGENT_RUN/boot.nft" "$AGENT_RUN/firewall.nft"
        echo "boot ruleset $(echo "$5" | cut -c1-12) loaded"
    else
        echo "boot ruleset refused by nft"
    fi
}

op_firewall_status() {  # the sha256 of the ruleset in force, null if none was delivered
    hash=null
    if [ -s "$AGENT_RUN/firewall.nft" ] && nft list table inet bulkhead >/dev/null 2>&1; then
        hash="\"$(sha256sum < "$AGENT_RUN/firewall.nft" | cut -c1-64)\""
    fi
    echo "{\"id\": $id, \"ok\": true, \"sha256\": $hash}"
}

op_poweroff() {  # answer first, then flush /rw and power off
    echo "{\"id\": $id, \"ok\": true}"
    ( sleep 1; sync; umount /rw 2>/dev/null; poweroff -f ) </dev/null >/dev/null 2>&1 &
}

answer() {  # answer LINE -> one JSON line on stdout
    line=$(printf '%s' "$1" | tr -d '\r')
    # Length is checked here, not with a bounded regex repeat: those make grep's matcher huge.
    if [ "${#line}" -gt $MAX_REQUEST ]; then
        echo '{"id": null, "ok": false, "error": "request too long"}'
        return
    fi
    value='-\{0,1\}[0-9]\{1,15\}\|"[^"\\]*"'
    pair="\"[a-z_]\\{1,32\\}\" *: *\\($value\\)"
    if ! printf '%s' "$line" | grep -q "^ *{ *\\($pair *\\(, *$pair *\\)*\\)\\{0,1\\}} *\$"; then
        echo '{"id": null, "ok": false, "error": "malformed request"}'
        return
    fi
    id=$(field id "$line")
    case "$id" in '' | *[!0-9]*) id=null ;; esac
    op=$(field op "$line")
    case "$op" in
    '"ping"')
        read -r up _ < /proc/uptime
        echo "{\"id\": $id, \"ok\": true, \"name\": \"$name\", \"uptime\": $up}" ;;
    '"run"') op_run "$line" ;;
    '"firewall"') op_firewall "$line" ;;
    '"firewall_status"') op_firewall_status ;;
    '"poweroff"') op_poweroff ;;
    '') fail "missing op" ;;
    *) fail "unknown op" ;;
    esac
}
