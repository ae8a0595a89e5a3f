#!/usr/bin/env python3
"""Chat with a published Porch agent from Python, with the standard library only.

Streams the answer as it is written (Server-Sent Events read line by line from urllib), shows
tool calls and the knowledge sources, and answers a non-streaming agent with one JSON reply.
A dropped stream is resumed: the same request_id is sent again with Last-Event-ID, so the
host replays what was missed instead of asking the model twice.

With the `export PORCH_URL=… PORCH_AGENT=…` line `npm start` printed:

  python3 examples/python-client.py "What time is it?"

Set PORCH_SESSION to continue a conversation.
"""
import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

BASE = os.environ.get("PORCH_URL", "http://localhost:8787").rstrip("/")
AGENT = os.environ.get("PORCH_AGENT") or sys.exit("set PORCH_AGENT to a published agent id (npm start prints one)")
CHAT = f"{BASE}/api/v1/published/{AGENT}"


def call(url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        return urllib.request.urlopen(request, timeout=300)
    except urllib.error.HTTPError as error:
        # Every refusal has the same body: {"error": {"code", "message"}}.
        problem = json.load(error).get("error", {})
        sys.exit(f"{error.code} {problem.get('code')}: {problem.get('message')}")


def events(response):
    """Yields (id, event) for each SSE message; `: ping` comments are skipped."""
    event_id, data = None, []
    for raw in response:
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield event_id, json.loads("\n".join(data))
            data = []
        elif line.startswith("id:"):
            event_id = int(line[3:].strip())
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


def stream(body):
    last_id = 0
    for attempt in range(5):
        try:
            headers = {"Last-Event-ID": str(last_id)} if last_id else {}
            with call(f"{CHAT}/chat", body, headers) as response:
                for event_id, event in events(response):
                    last_id = event_id or last_id
                    kind = event["event_type"]
                    if kind == "text_delta":
                        print(event["text"], end="", flush=True)
                    elif kind == "tool_call":
                        print(f"\n[tool {event['tool_name']}]", flush=True)
                    elif kind == "sources":
                        for source in event["sources"]:
                            print(f"\n[{source['index']}] {source['title']} {source['url'] or ''}".rstrip(), end="")
                    elif kind == "error":
                        print(f"\nThe run failed: {event['code']}: {event['message']}", file=sys.stderr)
                    elif kind == "complete":
                        print()
                        return event
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            pass
        time.sleep(0.5 * 2**attempt)  # the connection dropped: resume after the last event seen
    sys.exit("the stream kept dropping")


def main():
    question = sys.argv[1] if len(sys.argv) > 1 else "Hello!"
    body = {"request": question, "request_id": str(uuid.uuid4())}
    if os.environ.get("PORCH_SESSION"):
        body["session_id"] = os.environ["PORCH_SESSION"]
    with call(CHAT) as response:
        info = json.load(response)
    if info["api_response_mode"] == "streaming":
        stream(body)
    else:
        with call(f"{CHAT}/chat/sync", body) as response:
            print(json.load(response)["answer"])


if __name__ == "__main__":
    main()
