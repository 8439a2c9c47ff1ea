#!/usr/bin/env bash
# Installs what covermap needs to build, test and run, from Debian 12's packages.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libgdal-dev gdal-bin python3-gdal libproj-dev proj-data libgeos-dev
  libspatialite-dev libsqlite3-mod-spatialite libsqlite3-dev sqlite3
  libcairo2-dev libpng-dev zlib1g-dev libpango1.0-dev libglib2.0-dev libyaml-dev
  check poppler-utils libxml2-utils fonts-dejavu-core
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
