#!/usr/bin/env bash
# Chat with a published Porch agent from the shell.
#   PORCH_URL=http://localhost:8787 PORCH_AGENT=<agent id> ./examples/curl.sh "What time is it?"
set -euo pipefail
: "${PORCH_URL:=http://localhost:8787}"
: "${PORCH_AGENT:?set PORCH_AGENT to a published agent id (npm start prints one)}"
message=${1:-Hello!}
session=${PORCH_SESSION:-curl-$$}

# JSON-encode the message with node, which Porch needs anyway.
body=$(node -e 'console.log(JSON.stringify({ request: process.argv[1], session_id: process.argv[2] }))' "$message" "$session")

# Streaming agents answer on /chat (SSE); non-streaming ones on /chat/sync (JSON).
mode=$(curl -sS "$PORCH_URL/api/v1/published/$PORCH_AGENT" | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).api_response_mode')
if [ "$mode" = streaming ]; then
  curl -sS -N "$PORCH_URL/api/v1/published/$PORCH_AGENT/chat" -H 'Content-Type: application/json' -d "$body"
else
  curl -sS -w '\n' "$PORCH_URL/api/v1/published/$PORCH_AGENT/chat/sync" -H 'Content-Type: application/json' -d "$body"
fi
