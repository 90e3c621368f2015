#!/bin/sh
# Runs hostile-target.js with a collectable heap; see that file.
exec node --expose-gc "$(dirname "$0")/hostile-target.js" "$@"
