#!/bin/sh
# Start the lab's internet servers inside the 'outside' domain, through its agent (no network
# access to it is needed): HTTP on 80 and 8080, and a TCP service on 53 standing in for DNS.
# Idempotent. Usage: scripts/lab-outside.sh [DOMAIN] (default outside)
set -eu
domain=${1:-outside}
tries=0
until bulkhead run --no-pass-io "$domain" true 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -lt 120 ] || { echo "$domain: agent does not answer" >&2; exit 1; }
    sleep 1
done
bulkhead run --no-pass-io "$domain" '
set -e
mkdir -p /srv/http-80 /srv/http-8080
echo "outside:80" > /srv/http-80/index.html
echo "outside:8080" > /srv/http-8080/index.html
printf "#!/bin/sh\necho dns-outside\n" > /srv/dns-answer && chmod 755 /srv/dns-answer
for port in 80 8080; do
    netstat -ltn | grep -q ":$port " || httpd -p "$port" -h "/srv/http-$port"
done
netstat -ltn | grep -q ":53 " || { nc -ll -p 53 -e /srv/dns-answer </dev/null >/dev/null 2>&1 & }
sleep 0.5
netstat -ltn | grep -E ":(53|80|8080) " | wc -l'
