#!/bin/sh
# Makes the PDF fixtures from policy.docx (itself written by
# `go test ./ingest -run TestWriteFixture -update`). Needs Debian's
# libreoffice-writer-nogui, fonts-wqy-microhei and qpdf; the tests only need
# the committed PDFs.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
soffice --headless -env:UserInstallation=file://$tmp/profile --convert-to pdf --outdir "$tmp" policy.docx >/dev/null
# Drop the creation dates so that a rebuild changes nothing needlessly.
qpdf --deterministic-id "$tmp/policy.pdf" policy.pdf
qpdf --encrypt userpw ownerpw 256 -- policy.pdf policy-encrypted.pdf
ls -l policy.pdf policy-encrypted.pdf
