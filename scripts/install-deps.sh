#!/usr/bin/env bash
# Installs what building and testing needs on a fresh Debian 12 machine (run as root or with sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PKGS=(build-essential cmake ninja-build python3 python3-pip python3-venv
      libgtest-dev libgmock-dev libbenchmark-dev libeigen3-dev librsb-dev libopenblas-dev
      ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo libcli11-dev nlohmann-json3-dev zlib1g-dev
      clang libclang-rt-14-dev)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
PY=${PYTHON:-python3}
$PY -m pip install -q --disable-pip-version-check -r "$(dirname "$0")/../requirements-dev.txt"
