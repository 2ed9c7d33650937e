#!/usr/bin/env bash
# Debian/Ubuntu packages outside Python that the deputies' archives need: a CJK font (term books as
# PDF through WeasyPrint, the monthly report's charts) and the Pango libraries WeasyPrint lays text
# out with; for the tests (`dev`) also poppler-utils (pdftoppm, pdftotext). Installs only what is
# missing, when we are root with apt-get; otherwise prints the command to run and goes on (PDFs
# cannot be made until then, and the tests that open them are skipped, saying why).
# Usage: scripts/ensure-system-packages.sh [runtime|dev]
set -uo pipefail
kind=${1:-runtime}
packages=(fonts-wqy-zenhei libpango-1.0-0 libpangoft2-1.0-0)
[ "$kind" = dev ] && packages+=(poppler-utils)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "ensure-system-packages: not Debian/Ubuntu: install a CJK font (WenQuanYi Zen Hei or Noto" \
       "Sans CJK SC), Pango ≥ 1.44 and poppler-utils with your package manager" >&2
  exit 0
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system-packages: installing ${missing[*]} (apt-get)"
  if apt-get update -qq >/dev/null 2>&1 \
     && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null 2>&1; then
    exit 0
  fi
  echo "ensure-system-packages: apt-get could not install ${missing[*]}; term-book PDFs and" \
       "their tests need them" >&2
  exit 0
fi
cat >&2 <<MSG
ensure-system-packages: ${missing[*]} missing and this user cannot install them. Run
  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}
(term-book PDFs need the font and Pango; the tests also use poppler-utils).
MSG
exit 0
