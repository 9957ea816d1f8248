#!/usr/bin/env bash
# Installs the system packages and tools the test suite needs, where they are missing. Idempotent.
# PostgreSQL 15 + PostGIS 3 are for the throwaway clusters the PostGIS tests start themselves.
set -euo pipefail

need=()
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# cargo-fuzz for `make fuzz`, from crates.io, at the version checked here.
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing: cargo-fuzz"
  # Built in a temporary folder of its own, not in the project's target directory.
  env -u CARGO_TARGET_DIR cargo install cargo-fuzz --locked --version 0.13.2
fi
echo "setup: ok"
