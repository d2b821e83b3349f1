#!/usr/bin/env python3
"""Drives headless Chromium against a running `dropforge serve` (used by scripts/check-browser).

It speaks the Chrome DevTools Protocol over --remote-debugging-pipe (file descriptors 3 and 4,
messages ended by NUL), so it needs nothing but the standard library:

  1. opens BASE/review and waits until an item of JOB is on the page;
  2. clicks that item's Approve button with real mouse events at the button's place, and waits
     for the page to show the server's answer;
  3. checks that the image is now in ROOT/outbox/results/JOB/images/ (the API's job, done by the
     page's button);
  4. opens BASE/ (the jobs list) and BASE/jobs/JOB, and saves a screenshot of each into OUT.

Every host but 127.0.0.1 is unresolvable for the browser, so a page that loaded anything from
elsewhere would show it missing. Exit 0 when all of it worked; 1 with the reason otherwise.

usage: browser-review.py BROWSER BASE ROOT JOB OUT
"""
import base64
import json
import os
import subprocess
import sys
import time


class DevTools:
    """One browser and its pipe: send a command, read its answer, collect events."""

    def __init__(self, browser, log):
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        # The browser reads commands on fd 3 and writes answers on fd 4; close_fds would close
        # them again after the preexec_fn made them (dup2 makes them inheritable; the parent's
        # own ends are not, so the browser gets only these).
        def child_fds():
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)
        self.process = subprocess.Popen(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-pipe", "--window-size=1280,1000",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--no-first-run", "--no-default-browser-check", "about:blank"],
            stdout=log, stderr=log, preexec_fn=child_fds, close_fds=False)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        raise RuntimeError(f"{method}: no answer in {timeout} s")

    def read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("the browser closed its pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def attach(self):
        pages = [t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
        target = pages[0]["targetId"] if pages else self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url):
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        deadline = time.time() + 30
        while time.time() < deadline:
            if any(e.get("method") == "Page.loadEventFired" for e in self.events):
                return
            self.events.append(self.read())
        raise RuntimeError(f"{url} did not load in 30 s")

    def wait_for(self, expression, what, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise RuntimeError(f"waited {timeout} s for {what}")

    def click(self, selector):
        box = self.evaluate(
            "(() => { const e = document.querySelector(%s); if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()" % json.dumps(selector))
        if not box:
            raise RuntimeError(f"no {selector} on the page")
        x, y = box
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))
        return os.path.getsize(path)

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def main():
    browser, base, root, job, out = sys.argv[1:6]
    base = base.rstrip("/")
    with open(os.path.join(out, "chromium.log"), "wb") as log:
        tools = DevTools(browser, log)
        try:
            tools.attach()
            tools.open(f"{base}/review?job={job}")
            item = tools.wait_for(
                "(() => { const f = document.querySelector('figure[data-item]'); return f && f.dataset.item; })()",
                "an item in the review queue")
            number = item.rsplit("/", 1)[1]
            tools.screenshot(os.path.join(out, "review.png"))
            tools.click(f'figure[data-item="{item}"] button.approve')
            answer = tools.wait_for(
                f"(() => {{ const f = document.querySelector('figure[data-item=\"{item}\"]');"
                " const r = f && f.querySelector('.result').textContent; return r && r !== '…' ? r : null; })()",
                "the answer to Approve")
            if not answer.startswith("approved"):
                raise RuntimeError(f"Approve answered: {answer}")
            published = os.path.join(root, "outbox", "results", job, "images", f"{number}.png")
            if not os.path.isfile(published):
                raise RuntimeError(f"approved, yet {published} is missing")
            print(f"browser-review: clicked Approve on {item}; the page said '{answer}'; {published} exists")
            for name, url in (("jobs.png", f"{base}/"), ("job.png", f"{base}/jobs/{job}")):
                tools.open(url)
                tools.wait_for("document.querySelector('#live') !== null", f"{url} to render")
                # Let the thumbnails finish loading before the picture is taken.
                tools.wait_for("Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0)",
                               f"the images of {url}")
                size = tools.screenshot(os.path.join(out, name))
                print(f"browser-review: {url} -> {os.path.join(out, name)} ({size} bytes)")
        except Exception as error:  # every failure ends the check with its reason
            print(f"browser-review: {error}", file=sys.stderr)
            return 1
        finally:
            tools.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
