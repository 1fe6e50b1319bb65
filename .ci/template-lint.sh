#!/usr/bin/env bash
# cfn-lint over the synthesized template, and over a copy of it whose state machines hold their
# definition inline (scripts/ci/inline-definitions.ts, which also runs asl-validator on each), so that
# states-language errors are caught as well. Needs cfn-lint, which the CI image has; npm test does not.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cfn-lint >/dev/null || { echo "template-lint: cfn-lint is not installed" >&2; exit 1; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
npx cdk synth --quiet --output "$out/cdk.out"
status=0
npx tsx scripts/ci/inline-definitions.ts "$out/cdk.out" "$out/inlined" || status=1
# Ignored: W3005, "dependency already enforced by a GetAtt". CDK's Function (and StateMachine) declares
# DependsOn its role and the role's default policy; the policy is the dependency that matters (no GetAtt
# implies it), the role one is redundant, which is all W3005 says. Nothing we write adds a DependsOn.
cfn-lint --ignore-checks W3005 -- "$out"/cdk.out/*.template.json "$out"/inlined/*.template.json || status=1
if [[ $status -eq 0 ]]; then
  echo "template-lint: nothing found in the template or its state machine definitions"
else
  echo "template-lint: FAILED (above)" >&2
fi
exit "$status"
