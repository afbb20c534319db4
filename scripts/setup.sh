#!/usr/bin/env bash
# Everything Yoshin needs on a Debian machine: system packages, then a virtualenv with the
# pinned Python packages. Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(tesseract-ocr tesseract-ocr-jpn poppler-utils fonts-ipafont-gothic
              fonts-ipafont-mincho fonts-ocr-b fonts-seto fonts-klee fonts-kiloji
              fonts-yozvox-yozfont-standard-kana fonts-aoyagi-soseki fonts-kouzan-mouhitsu
              fonts-yusei-magic fonts-stick fonts-rocknroll fonts-motoya-l-maruberi
              fonts-komatuna fonts-ipaexfont-gothic fonts-takao-gothic fonts-vlgothic
              fonts-sawarabi-mincho python3-venv)
missing=()
for package in "${APT_PACKAGES[@]}" "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
