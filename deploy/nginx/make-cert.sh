#!/usr/bin/env bash
# A self-signed certificate for trying the docker-compose deployment: DIR/tls.crt and DIR/tls.key
# (nginx reads them from /etc/nginx/certs). In production put your real certificate there instead.
#   deploy/nginx/make-cert.sh deploy/nginx/certs [HOSTNAME]
set -euo pipefail
dir="${1:?usage: make-cert.sh DIR [HOSTNAME]}"
host="${2:-localhost}"
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host,DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
chmod 0644 "$dir/tls.key" # read by nginx's unprivileged user in the container
echo "wrote $dir/tls.crt and $dir/tls.key"
