"""The simulator against SGLang 0.5.23's wire format: SSE bytes, bodies, errors, endpoints."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid

import httpx
import pytest

from tests.fixtures.inference import running_simulator
from tests.inference.helpers import arm_fault, sse_events, stats, wait_until

CHAT = "/v1/chat/completions"
HELLO = [{"role": "user", "content": "Hello there"}]

# Reference §2.4, exact bytes of the role, finish and usage chunks (created normalised).
ROLE_CHUNK = (
    '{"id":"abc123","object":"chat.completion.chunk","created":1700000000,"model":"M",'
    '"choices":[{"index":0,"delta":{"reasoning_content":null,"role":"assistant","content":""},'
    '"logprobs":null,"finish_reason":null,"matched_stop":null}]}'
)
CONTENT_CHUNK = (
    '{"id":"abc123","object":"chat.completion.chunk","created":1700000000,"model":"M",'
    '"choices":[{"index":0,"delta":{"reasoning_content":null,"content":"%s"},'
    '"logprobs":null,"finish_reason":null,"matched_stop":null}]}'
)
FINISH_CHUNK = (
    '{"id":"abc123","object":"chat.completion.chunk","created":1700000000,"model":"M",'
    '"choices":[{"index":0,"delta":{"reasoning_content":null},"logprobs":null,'
    '"finish_reason":"stop","matched_stop":200008}]}'
)
USAGE_CHUNK = (
    '{"id":"abc123","object":"chat.completion.chunk","created":1700000000,"model":"M",'
    '"choices":[],"usage":{"prompt_tokens":%d,"total_tokens":%d,"completion_tokens":%d,'
    '"prompt_tokens_details":{"cached_tokens":0},"reasoning_tokens":0,'
    '"completion_tokens_details":null}}'
)


def _normalise(event: str) -> str:
    return re.sub(r'"created":\d+', '"created":1700000000', event)


def _chat(url: str, **body: object) -> httpx.Response:
    payload = {"model": "M", "messages": HELLO, **body}
    return httpx.post(url + CHAT, json=payload, timeout=10)


def test_stream_bytes_match_sglang() -> None:
    with running_simulator(speed=50, output_tokens=4, content="echo") as url:
        response = _chat(
            url, rid="abc123", stream=True, max_tokens=50, stream_options={"include_usage": True}
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [_normalise(e) for e in sse_events(response.content)]
    pieces = ["You", " said", ":", " Hello", " there"]
    assert events[0] == ROLE_CHUNK
    assert events[1:6] == [CONTENT_CHUNK % piece for piece in pieces]
    assert events[6] == FINISH_CHUNK
    usage = json.loads(events[7])["usage"]
    assert events[7] == USAGE_CHUNK % (usage["prompt_tokens"], usage["prompt_tokens"] + 5, 5)
    assert events[8] == "[DONE]"
    assert len(events) == 9


def test_stream_without_include_usage_has_no_usage_chunk_and_uuid_id() -> None:
    with running_simulator(speed=50, output_tokens=3) as url:
        response = _chat(url, stream=True, max_tokens=2)
    events = sse_events(response.content)
    chunks = [json.loads(e) for e in events[:-1]]
    assert events[-1] == "[DONE]"
    assert all("usage" not in chunk and chunk["choices"] for chunk in chunks)
    ids = {chunk["id"] for chunk in chunks}
    assert len(ids) == 1 and uuid.UUID(hex=ids.pop()).version == 4
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["choices"][0]["matched_stop"] is None


def test_non_stream_body_shape() -> None:
    with running_simulator(speed=50, output_tokens=3, enable_cache_report=False) as url:
        body = _chat(url, rid="x1", max_tokens=10).json()
    assert list(body) == ["id", "object", "created", "model", "choices", "usage", "metadata"]
    assert body["id"] == "x1" and body["object"] == "chat.completion" and body["model"] == "M"
    choice = body["choices"][0]
    assert (
        choice["message"]["role"] == "assistant" and choice["message"]["reasoning_content"] is None
    )
    assert choice["finish_reason"] == "stop" and choice["matched_stop"] == 200008
    assert body["usage"]["completion_tokens"] == 3
    assert body["usage"]["prompt_tokens_details"] is None


def test_context_overflow_errors_have_sglang_bodies() -> None:
    long_prompt = [{"role": "user", "content": "word " * 300}]
    with running_simulator(context_length=256) as url:
        too_long = httpx.post(url + CHAT, json={"messages": long_prompt, "stream": True})
        too_much = _chat(url, max_tokens=250, stream=True)
    assert too_long.status_code == 400
    body = too_long.json()
    assert list(body) == ["object", "message", "type", "param", "code"]
    assert body["object"] == "error" and body["code"] == 400 and body["param"] is None
    assert re.fullmatch(
        r"The input \(\d+ tokens\) is longer than the model's context length \(256 tokens\)\.",
        body["message"],
    )
    assert too_much.status_code == 400
    assert too_much.json()["message"].startswith(
        "Requested token count exceeds the model's maximum context length of 256 tokens. "
        "You requested a total of "
    )


def test_admission_overflow_is_in_band_when_streaming() -> None:
    with running_simulator(max_req_input_len=5) as url:
        streamed = _chat(url, stream=True, max_tokens=5)
        plain = _chat(url, max_tokens=5)
    assert streamed.status_code == 200
    events = sse_events(streamed.content)
    assert events[-1] == "[DONE]" and len(events) == 2
    error = json.loads(events[0])["error"]
    assert error["code"] == 400 and error["object"] == "error"
    assert "exceeds the maximum allowed length (5 tokens)" in error["message"]
    assert plain.status_code == 400


def test_legacy_mode_sends_context_overflow_in_band() -> None:
    long_prompt = [{"role": "user", "content": "word " * 300}]
    with running_simulator(context_length=256, legacy_inband_context_error=True) as url:
        response = httpx.post(url + CHAT, json={"messages": long_prompt, "stream": True})
    assert response.status_code == 200
    error = json.loads(sse_events(response.content)[0])["error"]
    assert "longer than the model's context length" in error["message"]


def _hold_one_request(url: str) -> threading.Thread:
    """Start a slow request in the background that occupies the only running slot."""
    thread = threading.Thread(
        target=_chat, args=(url,), kwargs={"rid": "holder", "max_tokens": 5}, daemon=True
    )
    arm_fault(url, mode="stall", after_tokens=1, stall_seconds=1.0)
    thread.start()
    wait_until(lambda: stats(url)["running"] == 1)
    return thread


def test_queue_full_gives_503() -> None:
    with running_simulator(max_running_requests=1, max_queued_requests=0, speed=20) as url:
        holder = _hold_one_request(url)
        plain = _chat(url, max_tokens=5)
        streamed = _chat(url, max_tokens=5, stream=True)
        holder.join()
        after = _chat(url, max_tokens=5)
    assert plain.status_code == 503
    assert plain.json() == {
        "object": "error",
        "message": "The request queue is full.",
        "type": "SERVICE_UNAVAILABLE",
        "param": None,
        "code": 503,
    }
    assert streamed.status_code == 200
    error = json.loads(sse_events(streamed.content)[0])["error"]
    assert error["code"] == 503 and error["type"] == "SERVICE_UNAVAILABLE"
    assert after.status_code == 200


def test_queued_requests_wait_for_a_slot() -> None:
    with running_simulator(max_running_requests=1, max_queued_requests=4, speed=20) as url:
        holder = _hold_one_request(url)
        started = time.monotonic()
        response = _chat(url, max_tokens=5)
        holder.join()
    assert response.status_code == 200
    assert time.monotonic() - started > 0.5


def test_health_is_503_during_startup_then_200() -> None:
    with running_simulator(startup_seconds=0.6) as url:
        early = [httpx.get(f"{url}{path}").status_code for path in ("/health", "/health_generate")]
        time.sleep(0.7)
        late = httpx.get(f"{url}/health")
    assert early == [503, 503]
    assert late.status_code == 200 and late.content == b""


def test_api_key_required_except_health_and_metrics() -> None:
    with running_simulator(api_key="sekrit") as url:
        anonymous = _chat(url, max_tokens=2)
        wrong = httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer nope"})
        right = httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer sekrit"})
        exempt = [httpx.get(f"{url}{p}").status_code for p in ("/health", "/metrics")]
    assert anonymous.status_code == 401 and wrong.status_code == 401
    assert right.status_code == 200
    assert exempt == [200, 200]


def test_duplicate_in_flight_rid_is_400() -> None:
    with running_simulator(speed=20) as url:
        holder = _hold_one_request(url)
        duplicate = _chat(url, rid="holder", max_tokens=2)
        holder.join()
        reused = _chat(url, rid="holder", max_tokens=2)
    assert duplicate.status_code == 400
    assert duplicate.json()["message"] == "Duplicate request ID detected: holder"
    assert reused.status_code == 200


def test_bad_content_type_and_empty_messages_are_400() -> None:
    with running_simulator() as url:
        text = httpx.post(url + CHAT, content=b"{}", headers={"content-type": "text/plain"})
        empty = httpx.post(url + CHAT, json={"messages": []})
    assert text.status_code == 400 and text.json()["type"] == "Bad Request"
    assert empty.status_code == 400


def test_prefix_cache_hits_grow_over_a_conversation() -> None:
    """Each turn resends the previous prompt plus the answer verbatim: all of it is cached."""
    messages = [{"role": "system", "content": "You are a helpful assistant."}]
    cached, prompts = [], []
    with running_simulator(speed=50, output_tokens=12) as url:
        for turn in range(4):
            messages.append({"role": "user", "content": f"Question number {turn}, please?"})
            body = httpx.post(url + CHAT, json={"messages": messages, "max_tokens": 50}).json()
            messages.append(
                {"role": "assistant", "content": body["choices"][0]["message"]["content"]}
            )
            cached.append(body["usage"]["prompt_tokens_details"]["cached_tokens"])
            prompts.append(body["usage"]["prompt_tokens"])
        metrics = httpx.get(f"{url}/metrics").text
    assert cached[0] == 0
    for turn in range(1, 4):
        # Previous prompt + its 12 output tokens + <|eot|> are cached.
        assert cached[turn] == prompts[turn - 1] + 12 + 1
    assert 'sglang:cached_tokens_total{cache_source="device"' in metrics
    total = re.search(r"^sglang:cached_tokens_total\{[^}]*\} (\S+)$", metrics, re.M)
    assert total is not None and float(total.group(1)) == sum(cached)


def test_prefix_cache_evicts_least_recently_used() -> None:
    with running_simulator(speed=50, output_tokens=2, kv_pool_tokens=60) as url:
        first = [{"role": "user", "content": "alpha " * 20}]
        second = [{"role": "user", "content": "beta " * 20}]
        for messages in (first, second, first):
            body = httpx.post(url + CHAT, json={"messages": messages, "max_tokens": 5}).json()
    # The first prompt was evicted to make room for the second one.
    assert body["usage"]["prompt_tokens_details"]["cached_tokens"] < 10


def test_abort_request_ends_stream_with_abort_finish() -> None:
    with running_simulator(speed=1, output_tokens=400) as url:
        result: dict[str, httpx.Response] = {}
        thread = threading.Thread(
            target=lambda: result.update(r=_chat(url, rid="victim", stream=True, max_tokens=500))
        )
        thread.start()
        wait_until(lambda: stats(url)["running"] == 1)
        assert httpx.post(f"{url}/abort_request", json={"rid": "victim"}).status_code == 200
        assert httpx.post(f"{url}/abort_request", json={"rid": "unknown"}).status_code == 200
        thread.join(timeout=5)
        counters = stats(url)
    events = sse_events(result["r"].content)
    assert events[-1] == "[DONE]"
    finish = json.loads(events[-2])["choices"][0]
    assert finish["finish_reason"] == "abort"
    assert counters["aborted"] == 1 and counters["in_flight"] == []


def test_generate_streams_cumulative_text() -> None:
    with running_simulator(speed=50, output_tokens=5) as url:
        body = {
            "text": "Once upon a time",
            "sampling_params": {"max_new_tokens": 4},
            "stream": True,
        }
        streamed = httpx.post(f"{url}/generate", json=body)
        plain = httpx.post(f"{url}/generate", json={**body, "stream": False}).json()
    results = [json.loads(e) for e in sse_events(streamed.content)[:-1]]
    texts = [r["text"] for r in results]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(texts))
    assert results[-1]["meta_info"]["finish_reason"] == {"type": "length", "length": 4}
    assert plain["text"] == texts[-1]
    assert plain["meta_info"]["cached_tokens"] > 0


def test_info_endpoints_for_clients_and_router() -> None:
    with running_simulator(context_length=32768, served_model_name="maverick", speed=50) as url:
        assert _chat(url, max_tokens=3).status_code == 200
        models = httpx.get(f"{url}/v1/models").json()
        server_info = httpx.get(f"{url}/server_info").json()
        model_info = httpx.get(f"{url}/get_model_info").json()
        load = httpx.get(f"{url}/get_load").json()
        unknown = httpx.get(f"{url}/v1/models/other")
        metrics = httpx.get(f"{url}/metrics").text
    assert models["data"][0]["id"] == "maverick"
    assert models["data"][0]["max_model_len"] == 32768
    assert server_info["context_length"] == 32768 and "max_total_num_tokens" in server_info
    assert model_info["model_path"].startswith("/")
    assert load[0]["num_reqs"] == 0
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
    for name in (
        "sglang:num_running_reqs",
        "sglang:num_queue_reqs",
        "sglang:token_usage",
        "sglang:cache_hit_rate",
        "sglang:time_to_first_token_seconds_bucket",
        "sglang:e2e_request_latency_seconds_bucket",
        "sglang:queue_time_seconds_bucket",
    ):
        assert f"{name}{{" in metrics, name


@pytest.mark.parametrize("mode", ["markdown", "echo"])
def test_think_and_markdown_content(mode: str) -> None:
    with running_simulator(speed=50, content=mode, think=True, output_tokens=5) as url:
        text = _chat(url, max_tokens=400).json()["choices"][0]["message"]["content"]
    assert text.startswith("<think>\n") and "\n</think>\n\n" in text
    if mode == "markdown":
        assert "```python\n" in text and text.count("```") == 2
