#!/bin/sh
# Rotate now (with grace) or replace a compromised key (no grace): the annotation acts once, by its timestamp.
set -eu
kubectl annotate apikey "${1:-web}" "keys.ayra.ai/${2:-rotate}=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --overwrite
