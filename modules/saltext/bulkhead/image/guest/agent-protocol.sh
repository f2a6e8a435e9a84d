# bulkhead guest agent protocol (sourced by /sbin/bulkhead-agent; needs $name set).
# Requests must be a flat object of "key": integer or "key": "string without quotes or
# backslashes"; anything else is refused. That fixed shape keeps the parser a few lines of sed.

field() {  # field KEY LINE -> the raw JSON value of KEY (digits, or a string with its quotes)
    printf '%s' "$2" | sed -n "s/.*\"$1\" *: *\\(-\\{0,1\\}[0-9][0-9]*\\|\"[^\"]*\"\\).*/\\1/p"
}

answer() {  # answer LINE -> one JSON line on stdout
    line=$(printf '%s' "$1" | tr -d '\r')
    # Length is checked here, not with a bounded regex repeat: those make grep's matcher huge.
    if [ "${#line}" -gt 8192 ]; then
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
    '') echo "{\"id\": $id, \"ok\": false, \"error\": \"missing op\"}" ;;
    *) echo "{\"id\": $id, \"ok\": false, \"error\": \"unknown op\"}" ;;
    esac
}
