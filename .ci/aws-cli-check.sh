#!/usr/bin/env bash
# The README says the local emulators answer the AWS CLI. This checks it as a new user would meet it:
# `npm start` (free ports, a throwaway data dir), two signed webhooks, then the Step Functions read calls
# through the AWS CLI, each answer checked. Not part of `npm test`: it needs the AWS CLI (v1 or v2).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v aws >/dev/null || { echo "aws-cli-check: the AWS CLI is not installed" >&2; exit 1; }

data="$(mktemp -d)"
runtime=""
stop() {
  local status=$?
  if [[ -n "$runtime" ]] && kill -0 "$runtime" 2>/dev/null; then
    # npm, tsx, node and DynamoDB Local's java share the group setsid gave them.
    kill -TERM -- "-$runtime" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$runtime" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$runtime" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$data/runtime.log" ]]; then
    echo "aws-cli-check: failed; the runtime's log ends with:" >&2
    tail -n 40 "$data/runtime.log" >&2
  fi
  rm -rf "$data"
  exit "$status"
}
trap stop EXIT
# A CI timeout's SIGTERM must stop the runtime too: in a session of its own, nothing else would.
trap 'exit 143' TERM
trap 'exit 130' INT

# Four ports the kernel calls free now (held together, so they differ).
read -r api dynamodb sqs sfn < <(node -e '
  const net = require("node:net");
  const servers = [0, 1, 2, 3].map(() => net.createServer().listen(0, "127.0.0.1"));
  Promise.all(servers.map((s) => new Promise((r) => s.on("listening", r)))).then(() => {
    console.log(servers.map((s) => s.address().port).join(" "));
    servers.forEach((s) => s.close());
  });')
[[ -n "$sfn" ]] || { echo "aws-cli-check: could not find free ports" >&2; exit 1; }

PORT="$api" ORDERFLOW_DYNAMODB_PORT="$dynamodb" ORDERFLOW_SQS_PORT="$sqs" ORDERFLOW_SFN_PORT="$sfn" \
  ORDERFLOW_DATA_DIR="$data/runtime" ORDERFLOW_TIME_SCALE=100000 \
  setsid npm start >"$data/runtime.log" 2>&1 &
runtime=$!
for attempt in $(seq 240); do
  curl -sf "http://127.0.0.1:$api/health" >/dev/null && break
  kill -0 "$runtime" 2>/dev/null || { echo "aws-cli-check: npm start exited" >&2; exit 1; }
  [[ $attempt -lt 240 ]] || { echo "aws-cli-check: no /health after 120 s" >&2; exit 1; }
  sleep 0.5
done
echo "aws-cli-check: runtime up (API $api, Step Functions $sfn)"

order() { # order <externalOrderId>: sends the README's signed generic webhook, prints the order id
  local body t sig
  body='{"externalOrderId":"'"$1"'","customer":{"name":"Ada Lovelace","email":"ada@example.com"},"shippingAddress":{"name":"Ada Lovelace","line1":"1 Main St","city":"Springfield","region":"IL","postalCode":"62701","country":"US"},"items":[{"sku":"MUG-RED","productId":"p-1","name":"Red mug","quantity":2,"unitPrice":"12.50"}],"currency":"USD","payment":{"provider":"sandbox","reference":"pay_123","amount":"25.00"},"shippingMethod":"standard"}'
  t=$(date +%s)
  sig=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac demo-webhook-secret | sed 's/^.* //')
  curl -sf "http://127.0.0.1:$api/webhooks/orders/demo" -H 'content-type: application/json' \
    -H "x-orderflow-signature: t=$t,v1=$sig" -d "$body" | node -pe 'JSON.parse(require("fs").readFileSync(0)).orderId'
}

# Dummy credentials, no profile, no pager: the CLI must need nothing but the endpoint.
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_SESSION_TOKEN='' AWS_PAGER=''
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
sfn() { aws stepfunctions "$@" --endpoint-url "http://127.0.0.1:$sfn" --region us-east-1 --output json; }

# expect <what> <JS expression over r, the JSON on stdin>: fails the script, showing the answer, when false.
# date(v) reads a timestamp as either CLI prints it: epoch seconds (v1) or ISO 8601 (v2).
expect() {
  node -e '
    const text = require("fs").readFileSync(0, "utf8");
    const r = JSON.parse(text);
    const date = (v) => (typeof v === "number" ? new Date(v * 1000) : new Date(v));
    if (!new Function("r", "date", `return (${process.argv[2]});`)(r, date)) {
      console.error(`aws-cli-check: FAILED ${process.argv[1]}\n${text.slice(0, 2000)}`);
      process.exit(1);
    }
    console.log(`  ok  ${process.argv[1]}`);' "$1" "$2"
}

first=$(order "cli-1")
second=$(order "cli-2")

machines=$(sfn list-state-machines)
expect "list-state-machines: one STANDARD machine, orderflow" \
  'r.stateMachines.length === 1 && r.stateMachines[0].name === "orderflow" && r.stateMachines[0].type === "STANDARD" && date(r.stateMachines[0].creationDate) <= new Date()' <<<"$machines"
machine=$(node -pe 'JSON.parse(process.argv[1]).stateMachines[0].stateMachineArn' "$machines")
execution="${machine/:stateMachine:/:execution:}:$first"

# Usually seconds. sfn() asks for JSON, so the status arrives quoted: compare it as JSON prints it (an
# unquoted comparison once ended this wait at once, and the check failed on a run that was still going).
for _ in $(seq 400); do
  status=$(sfn describe-execution --execution-arn "$execution" --query status)
  [[ "$status" == '"RUNNING"' ]] || break
  sleep 0.5
done
if [[ "$status" == '"RUNNING"' ]]; then
  sfn get-execution-history --execution-arn "$execution" --reverse-order --max-items 15 >&2 || true
fi
sfn describe-execution --execution-arn "$execution" | expect "describe-execution: the order's execution SUCCEEDED, with its input and output" \
  "r.status === 'SUCCEEDED' && r.name === '$first' && JSON.parse(r.input).orderId === '$first' && JSON.parse(r.output).delivery.status === 'DELIVERED' && date(r.stopDate) >= date(r.startDate)"

described=$(sfn describe-state-machine --state-machine-arn "$machine")
expect "describe-state-machine: ACTIVE, the bound definition, role, logging configuration" \
  "r.status === 'ACTIVE' && r.type === 'STANDARD' && JSON.parse(r.definition).States.VerifyPayment.Resource.startsWith('arn:aws:lambda:') && r.roleArn.startsWith('arn:aws:iam::') && r.loggingConfiguration.level === 'OFF'" <<<"$described"

# --page-size 1 makes the CLI follow nextToken, one execution per call.
sfn list-executions --state-machine-arn "$machine" --page-size 1 | expect "list-executions: both orders, across pages" \
  "r.executions.length === 2 && ['$first', '$second'].every((name) => r.executions.some((e) => e.name === name))"
sfn list-executions --state-machine-arn "$machine" --max-items 1 | expect "list-executions --max-items 1: one, and a token for the rest" \
  'r.executions.length === 1 && typeof r.NextToken === "string"'

sfn get-execution-history --execution-arn "$execution" --page-size 4 | expect "get-execution-history: every event once, in order, across pages" \
  "r.events.length > 20 && r.events.every((e, i) => e.id === i + 1) && r.events[0].type === 'ExecutionStarted' && r.events.at(-1).type === 'ExecutionSucceeded'"

for_execution=$(sfn describe-state-machine-for-execution --execution-arn "$execution")
printf '{"machine": %s, "forExecution": %s}' "$described" "$for_execution" | expect "describe-state-machine-for-execution: the machine's definition and revision" \
  "r.forExecution.stateMachineArn === '$machine' && r.forExecution.definition === r.machine.definition && r.forExecution.revisionId === r.machine.revisionId && date(r.forExecution.updateDate) <= new Date()"

# Errors: the CLI names AWS's error code in its message and exits non-zero.
fails_with() { # fails_with <error code> <stepfunctions args...>
  local code=$1 out
  shift
  # $1 is now the operation, named in the line printed
  if out=$(sfn "$@" 2>&1); then
    echo "aws-cli-check: FAILED $* answered instead of $code: $out" >&2
    return 1
  fi
  grep -q "($code)" <<<"$out" || { echo "aws-cli-check: FAILED $* did not answer $code: $out" >&2; return 1; }
  echo "  ok  $1 answers $code"
}
fails_with ExecutionDoesNotExist describe-execution --execution-arn "${execution}-unknown"
fails_with StateMachineDoesNotExist describe-state-machine --state-machine-arn "${machine}-unknown"
fails_with InvalidArn get-execution-history --execution-arn "$first"
fails_with UnknownOperationException list-activities
echo "aws-cli-check: the AWS CLI's Step Functions read calls work against the local endpoint"
