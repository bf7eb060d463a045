"""The medical examiner's page: self-contained, asks for no identifiers, and shows findings as a line is typed."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from fastapi.responses import HTMLResponse

from .service_support import client_of, make_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# A page of the test's own, on the service's origin, that types into the real /me page in a frame the way a
# person does (a value, then an input event) and copies what the page then shows into its own body.
HARNESS = """<!doctype html><html><body><pre id="result">waiting</pre>
<iframe id="me" src="/me" width="900" height="900"></iframe>
<script>
var frame = document.getElementById("me");
frame.addEventListener("load", function () {
  var page = frame.contentDocument, field = page.getElementById("p1b-text");
  "Down's syndrome".split("").forEach(function (_, i, letters) {
    field.value = letters.slice(0, i + 1).join("");
    field.dispatchEvent(new Event("input", {bubbles: true}));
  });
  var tries = 0, poll = setInterval(function () {
    var found = page.querySelectorAll("article.finding");
    if (found.length || ++tries > 100) {
      clearInterval(poll);
      document.getElementById("result").textContent = Array.prototype.map.call(found, function (card) {
        var mark = card.querySelector("mark");
        return "FINDING " + card.dataset.rule + " | MARK " + (mark ? mark.textContent : "") + " | "
          + card.querySelector(".message").textContent.slice(0, 40);
      }).join("\\n") || "NO FINDING";
    }
  }, 100);
});
</script></body></html>"""


def test_the_page_loads_nothing_from_elsewhere_and_asks_for_no_identifiers():
    response = client_of(make_app()).get("/me")
    assert response.status_code == 200
    html = response.text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "the page must load nothing from elsewhere"
    assert "connect-src 'self'" in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    labels = " ".join(re.findall(r'aria-label="([^"]+)"', html)).lower()
    for identifier in ("name", "nhs", "date of birth", "address"):
        assert identifier not in labels
    assert "checking aid" in html.lower() and "nothing you type is stored" in html.lower()


def test_the_page_check_refuses_anything_but_part_i_and_part_ii():
    client = client_of(make_app())
    assert client.post("/me/check", json={"part1": [{"text": "Pneumonia"}], "nhs_number": "9434765919"}).status_code == 400
    body = client.post("/me/check", json={"part1": [{"text": "Pneumonia"}, {"text": "Down's syndrome"}]}).json()
    assert body["complete"] and [f["rule_id"] for f in body["findings"]]


def test_the_page_can_be_turned_off():
    assert client_of(make_app(me_page=False)).get("/me").status_code == 404


@pytest.fixture
def running_service():
    app = make_app()
    app.api.add_api_route("/harness", lambda: HTMLResponse(HARNESS), methods=["GET"])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    # The page is loaded only once the server accepts connections: a browser started before that is refused.
    for _ in range(200):
        if server.started or not thread.is_alive():
            break
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def test_typing_a_line_in_headless_chromium_shows_the_finding_with_its_words_marked(running_service):
    assert Path(CHROMIUM).exists(), "chromium is needed for this test: apt-get install chromium"
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-extensions", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom",
             f"{running_service}/harness"],
            capture_output=True, text=True, timeout=120)
    result = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert result, done.stderr[-2000:]
    text = result.group(1)
    assert "FINDING LDA-MCCD-" in text, text
    assert "MARK Down&#39;s syndrome" in text or "MARK Down's syndrome" in text, text
