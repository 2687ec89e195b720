#!/bin/sh
# A throwaway RFC 3161 time-stamping authority for tests, made with the openssl command:
# a root CA, a TSA certificate under it (extendedKeyUsage critical timeStamping, RFC 3161
# 2.3), and the configuration `openssl ts -reply` reads. Answer a query with
#   openssl ts -reply -config DIR/tsa.cnf -queryfile q.tsq -out r.tsr
# or over HTTP with tsa_server.py. The root to trust is DIR/root.pem.
# usage: make_tsa.sh DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$1"
dir=$(cd "$1" && pwd)
cd "$dir"
curve="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $curve -keyout root.key -out root.pem -days 3650 \
  -subj "/O=Vireo Test/CN=Vireo Test Time-Stamping Root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new $curve -keyout tsa.key -out tsa.csr -subj "/O=Vireo Test/CN=Vireo Test TSA" 2>/dev/null
cat > tsa.ext <<'EXT'
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
openssl x509 -req -in tsa.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 \
  -extfile tsa.ext -out tsa.pem 2>/dev/null
echo 01 > serial
cat > tsa.cnf <<CNF
[ tsa ]
default_tsa = vireo_test_tsa

[ vireo_test_tsa ]
dir = $dir
serial = \$dir/serial
crypto_device = builtin
signer_cert = \$dir/tsa.pem
certs = \$dir/root.pem
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
