#!/usr/bin/env bash
# System packages the test suite needs: PostgreSQL server, Chromium, Java and Maven (for the test Kafka), and
# LibreOffice headless with the Liberation fonts and poppler (official documents rendered to PDF/PNG and measured).
set -euo pipefail
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
fc-list 2>/dev/null | grep -i dejavu >/dev/null || missing+=(fonts-dejavu-core)
dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
fc-list 2>/dev/null | grep -i "Liberation Serif" >/dev/null || missing+=(fonts-liberation)
# Liberation 2 stands in for Times New Roman with every Vietnamese letter (1.x lacks "ệ", "ố", "ủ"...).
fc-list ':charset=1ec7' family 2>/dev/null | grep -i "Liberation Serif" >/dev/null || missing+=(fonts-liberation2)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
