#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The certificates the TLS suites use, made with the openssl command-line
# tool when the tests are built (none is checked in):
#
#   make-certs.sh DIR
#
# writes into DIR (and nowhere else), every key ECDSA P-256:
#   ca.pem ca-key.pem                 the test CA (the suites trust it)
#   server.pem server-key.pem         "localhost": SAN DNS:localhost,
#                                     IP:127.0.0.1, IP:::1; signed by the CA
#   expired.pem expired-key.pem       localhost, signed by the CA, 2020-2021
#   future.pem future-key.pem         localhost, signed by the CA, 2090-2091
#   wronghost.pem wronghost-key.pem   "other.example", signed by the CA
#   self.pem self-key.pem             localhost, self-signed
#   untrusted.pem untrusted-key.pem   localhost, signed by a second CA that
#                                     nobody trusts (untrusted-ca.pem; the
#                                     leaf file holds the leaf only)
#   client.pem client-key.pem         a client certificate signed by the CA
#   client-self.pem client-self-key.pem   a self-signed client certificate
#
# Idempotent: a DIR already made by this version of the script (and not
# about to expire) is left as it is; otherwise everything is made afresh in
# a scratch folder inside DIR and moved into place.  Takes well under 2 s.
# The openssl program is $OPENSSL, else the one on PATH.
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1
openssl=${OPENSSL:-openssl}
mkdir -p "$dir"

# The script's own checksum names the set it makes.
version=$(cksum <"$0" | cut -d' ' -f1)
if [ -f "$dir/.made-by" ] && [ "$(cat "$dir/.made-by")" = "$version" ] &&
   [ -f "$dir/server.pem" ] &&
   "$openssl" x509 -in "$dir/server.pem" -noout -checkend 86400 >/dev/null 2>&1; then
  exit 0
fi

work=$dir/.work.$$
rm -rf "$work"
mkdir -p "$work/newcerts"
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

# One configuration for everything: nothing from the system's openssl.cnf.
cat >openssl.cnf <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused

[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional

[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_other ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_self ]
basicConstraints = critical, CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
[ v3_client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_client_self ]
basicConstraints = critical, CA:FALSE
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
EOF
: >index.txt
echo 1000 >serial
export OPENSSL_CONF="$work/openssl.cnf"

key() {
  "$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# selfsigned NAME CN EXTENSIONS
selfsigned() {
  key "$1-key.pem"
  "$openssl" req -config openssl.cnf -x509 -new -key "$1-key.pem" -subj "/O=Natter tests/CN=$2" \
    -days 3650 -sha256 -extensions "$3" -out "$1.pem"
}

# csr NAME CN
csr() {
  key "$1-key.pem"
  "$openssl" req -config openssl.cnf -new -key "$1-key.pem" -subj "/O=Natter tests/CN=$2" \
    -out "$1.csr"
}

# signed NAME CN EXTENSIONS SERIAL [CA]: valid from now for ten years
signed() {
  ca=${5:-ca}
  csr "$1" "$2"
  "$openssl" x509 -req -in "$1.csr" -CA "$ca.pem" -CAkey "$ca-key.pem" -set_serial "$4" \
    -days 3650 -sha256 -extfile openssl.cnf -extensions "$3" -out "$1.pem" 2>/dev/null
}

# dated NAME CN START END: signed by the CA, valid from START to END only
dated() {
  csr "$1" "$2"
  "$openssl" ca -config openssl.cnf -batch -notext -cert ca.pem -keyfile ca-key.pem \
    -in "$1.csr" -out "$1.pem" -startdate "$3" -enddate "$4" -extensions v3_server \
    2>/dev/null
}

selfsigned ca "Natter Test CA" v3_ca
selfsigned untrusted-ca "Natter Untrusted CA" v3_ca
signed server localhost v3_server 1
signed wronghost other.example v3_other 2
signed untrusted localhost v3_server 3 untrusted-ca
signed client "natter test client" v3_client 4
dated expired localhost 20200101000000Z 20210101000000Z
dated future localhost 20900101000000Z 20910101000000Z
selfsigned self localhost v3_self
selfsigned client-self "natter self-signed client" v3_client_self

# What each is, as the tests expect OpenSSL to see it.
v() { "$openssl" verify -CAfile ca.pem "$1.pem" 2>&1 || true; }
check() {
  case "$(v "$1")" in
    *"$2"*) ;;
    *) echo "make-certs.sh: $1.pem: want '$2', got: $(v "$1")" >&2; exit 1 ;;
  esac
}
check server "OK"
check client "OK"
check wronghost "OK"
check expired "certificate has expired"
check future "certificate is not yet valid"
check self "self-signed certificate"
check untrusted "unable to get local issuer certificate"

chmod 600 ./*-key.pem
for f in ca ca-key untrusted-ca untrusted-ca-key server server-key expired expired-key \
         future future-key wronghost wronghost-key self self-key untrusted untrusted-key \
         client client-key client-self client-self-key; do
  mv -f "$f.pem" "../$f.pem"
done
echo "$version" >../.made-by
