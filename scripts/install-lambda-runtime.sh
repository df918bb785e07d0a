#!/usr/bin/env bash
# Installs aws-lambda-ric (optionalDependencies), which test/e2e/lambda-runtime-*.test.ts use to run the bundled function the
# way Lambda does. Its engines say node >= 22, and npm skips an optional dependency whose engines do not match
# WITHOUT A WORD: under older Node, this adds it with the harness's pinned Node 24 (same lock, nothing saved).
# Its install scripts build it from source (cmake, make, g++: a few minutes). Run after `npm ci`.
set -uo pipefail
cd "$(dirname "$0")/.."
ric_native=node_modules/aws-lambda-ric/rapid-client.node
lambda_node="$(sed -n "s/^export const LAMBDA_NODE_VERSION = '\(.*\)';$/\1/p" test/support/lambda-runtime.ts)"
: "${lambda_node:?LAMBDA_NODE_VERSION not found in test/support/lambda-runtime.ts}"
if [ ! -f "$ric_native" ] && [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  echo "aws-lambda-ric: npm skipped it under Node $(node --version); installing it with Node $lambda_node"
  node24="$(npx -y "node@$lambda_node" -p process.execPath)" &&
    "$node24" "$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js" install --no-save --no-audit --no-fund ||
    echo "WARNING: installing aws-lambda-ric with Node $lambda_node failed"
fi
if [ -f "$ric_native" ]; then
  echo "aws-lambda-ric: $ric_native is built"
else
  echo "WARNING: $ric_native was not built (aws-lambda-ric needs cmake, make and g++): the Lambda runtime tests are skipped (they fail under CI=true)"
  exit 1
fi
