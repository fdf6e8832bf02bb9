#!/usr/bin/env bash
# Install what sluice needs from Debian 12 packages, only what is missing.
#   scripts/deps.sh build   compilers and libraries to build sluice
#   scripts/deps.sh test    plus what the tests and their peers need
# Uses sudo when not run as root. Safe to run again: it does nothing when
# every package is already installed.
set -euo pipefail
what=${1:-build}

build_pkgs=(build-essential cmake pkg-config libyaml-dev zlib1g-dev libbz2-dev
  liblzma-dev libzstd-dev libsnappy-dev libpcre2-dev librdkafka-dev
  libcurl4-openssl-dev libssl-dev)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev python3 gzip bzip2 xz-utils
  zstd python3-snappy python3-crcmod python3-boto3 time cmd:node:nodejs
  cmd:npm:npm kcat python3-confluent-kafka openssl python3-avro
  python3-zstandard)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

# "cmd:NAME:PKG" installs PKG only when the command NAME is missing: Node.js
# may come from elsewhere (NodeSource's nodejs bundles npm and conflicts
# with Debian's npm package).
missing=()
for p in "${pkgs[@]}"; do
  if [[ $p == cmd:* ]]; then
    IFS=: read -r _ cmd pkg <<< "$p"
    command -v "$cmd" >/dev/null || missing+=("$pkg")
    continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
