#!/usr/bin/env bash
# Installs the Hyperscan library and headers that the `hyperscan` Cargo
# feature builds against (`palisade bench scan --backend hyperscan`), from the
# Debian archive. Hyperscan needs x86-64 with SSSE3; elsewhere Vectorscan
# (libvectorscan-dev) provides the same library.
set -euo pipefail

if pkg-config --exists libhs 2>/dev/null; then
    echo "Hyperscan $(pkg-config --modversion libhs) is installed"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
else
    sudo=""
fi
case "$(uname -m)" in
    x86_64) package=libhyperscan-dev ;;
    *) package=libvectorscan-dev ;;
esac
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends "$package" pkg-config \
    || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "$package" pkg-config; }
echo "Hyperscan $(pkg-config --modversion libhs) is installed"
