"""Imports Lector's Label Studio export into a running Label Studio (started here, on the
loopback address, with a fresh data folder) and exports it again through Label Studio's API.

Usage: real_label_studio.py LABEL_STUDIO_BIN EXPORT_DIR REFUSED_TASKS OUT.json [CHROMIUM]

- The user anna@example.org is made at start (Lector's export credits anna to it with
  --ls-user); erik is no user of this Label Studio.
- A project is made from EXPORT_DIR/labeling-config.xml, as it is.
- REFUSED_TASKS (tasks whose completed_by names a non-user, as Lector wrote them before
  --ls-user) must be refused with Label Studio's "Unknown annotator's email".
- EXPORT_DIR/tasks.json must import as it is (HTTP 201).
- OUT.json gets {"tasks": Label Studio's JSON export, "conll": its CONLL2003 export (Label
  Studio's own reading of the offsets, tokenised by Label Studio), "user_id": anna's id,
  "refused": the refusal, "imported": the import's answer,
  "seconds": {"start": …, "import": …, "export": …}}.
- With CHROMIUM, each annotation is also opened in Label Studio's own editor (logged in as
  anna, in headless Chromium driven over --remote-debugging-pipe) and OUT.json gets "editor":
  {"DOCUMENT/ANNOTATOR": {region id: the text the editor highlights for it}}.

The server is stopped (its process group, started here) whatever happens.
"""
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ls_bin, export_dir, refused_tasks, out_path = sys.argv[1:5]
chromium = sys.argv[5] if len(sys.argv) > 5 else None
EMAIL, PASSWORD, TOKEN = "anna@example.org", "lector-test-1", "lectortesttoken0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
base = f"http://127.0.0.1:{port}"


def call(method, path, body=None, raw=None, timeout=120):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Token {TOKEN}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# Each region's highlighted text in the editor: the region id is in the highlight's class
# (`htx-highlight-<id>-<n>`); a region cut by another is several highlights, joined in page
# order, and a highlight inside one of the same region is not counted twice.
HIGHLIGHTS = """(() => {
  const out = {};
  for (const e of document.querySelectorAll('.htx-highlight')) {
    const m = Array.from(e.classList).map(c => c.match(/^htx-highlight-(.+)-[0-9]+$/)).find(Boolean);
    if (!m) continue;
    let p = e.parentElement, nested = false;
    for (; p; p = p.parentElement) if (p.classList && p.classList.contains(m[0])) { nested = true; break; }
    if (!nested) out[m[1]] = (out[m[1]] || '') + e.textContent;
  }
  return JSON.stringify(out);
})()"""


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4), so that
    nothing listens on a port."""

    def __init__(self, binary, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "--window-size=1280,2000",
             "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf, self.next_id = b"", 0

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + 60
        while time.time() < deadline:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                answer = json.loads(raw)
                if answer.get("id") == self.next_id:
                    if "error" in answer:
                        raise SystemExit(f"chromium: {method}: {answer['error']}")
                    return answer.get("result", {})
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise SystemExit("chromium closed its DevTools pipe")
            self.buf += chunk
        raise SystemExit(f"chromium did not answer {method} within 60 s")

    def close(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def session_cookies():
    """Logs in through Label Studio's login form, as a browser does."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/user/login/", timeout=60).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not csrf:
        raise SystemExit("Label Studio's login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf.group(1), "email": EMAIL, "password": PASSWORD}).encode()
    req = urllib.request.Request(base + "/user/login/", data=form, method="POST")
    req.add_header("Referer", base + "/user/login/")
    opener.open(req, timeout=60)
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("logging in to Label Studio gave no session")
    return cookies


def editor_highlights(pid, tasks):
    """Opens every annotation of `tasks` (Label Studio's JSON export) in the editor and reads
    what it highlights, per region id."""
    profile = tempfile.mkdtemp(prefix="lector-chromium-", dir=data_dir)
    browser = Browser(chromium, profile)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        tab = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for name, value in session_cookies().items():
            browser.call("Network.setCookie", {"name": name, "value": value, "url": base}, tab)
        out = {}
        for task in tasks:
            for entry in task["annotations"]:
                regions = {r["id"] for r in entry["result"] if r.get("type") == "labels"}
                who = {r.get("meta", {}).get("lector_annotator") for r in entry["result"]} - {None}
                key = f"{task['data']['document']}/{'+'.join(sorted(who))}"
                browser.call("Page.navigate", {
                    "url": f"{base}/projects/{pid}/data?task={task['id']}&annotation={entry['id']}"}, tab)
                seen, deadline = {}, time.time() + 120
                while time.time() < deadline:
                    time.sleep(0.5)
                    value = browser.call("Runtime.evaluate",
                                         {"expression": HIGHLIGHTS, "returnByValue": True}, tab)
                    seen = json.loads(value.get("result", {}).get("value") or "{}")
                    if set(seen) == regions:
                        # Once more, so that a highlight still being drawn is not cut short.
                        time.sleep(0.5)
                        value = browser.call("Runtime.evaluate",
                                             {"expression": HIGHLIGHTS, "returnByValue": True}, tab)
                        seen = json.loads(value.get("result", {}).get("value") or "{}")
                        break
                out[key] = seen
        return out
    finally:
        browser.close()


data_dir = tempfile.mkdtemp(prefix="lector-ls-")
env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")}
env.update(
    LABEL_STUDIO_BASE_DATA_DIR=data_dir,
    LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
    # The API is called with the user's token (`Authorization: Token …`), which Label
    # Studio 1.23 accepts only when legacy tokens are enabled for the organisation.
    LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
    COLLECT_ANALYTICS="false",
    SENTRY_DSN="",
    FRONTEND_SENTRY_DSN="",
)
log_path = os.path.join(data_dir, "server.log")
log = open(log_path, "w")
started = time.time()
server = subprocess.Popen(
    [ls_bin, "start", "--no-browser", "--host", "127.0.0.1", "--port", str(port),
     "--data-dir", data_dir, "--username", EMAIL, "--password", PASSWORD,
     "--user-token", TOKEN, "--log-level", "WARNING"],
    env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
)


def log_tail():
    with open(log_path, encoding="utf-8", errors="replace") as f:
        return f.read()[-4000:]


seconds = {}
ok = False
try:
    deadline = time.time() + 300
    while True:
        if server.poll() is not None:
            raise SystemExit(f"Label Studio stopped at start; its log:\n{log_tail()}")
        try:
            status, _ = call("GET", "/api/current-user/whoami", timeout=10)
            if status == 200:
                break
        except OSError:
            pass
        if time.time() > deadline:
            raise SystemExit(f"Label Studio did not answer within 300 s; its log:\n{log_tail()}")
        time.sleep(1)
    seconds["start"] = round(time.time() - started, 1)
    status, who = call("GET", "/api/current-user/whoami")
    user_id = json.loads(who)["id"]
    with open(os.path.join(export_dir, "labeling-config.xml"), encoding="utf-8") as f:
        config = f.read()
    status, project = call("POST", "/api/projects", {"title": "Lector", "label_config": config})
    if status != 201:
        raise SystemExit(f"Label Studio refused Lector's labeling config: {status} {project}")
    pid = json.loads(project)["id"]

    t = time.time()
    with open(refused_tasks, "rb") as f:
        status, refused = call("POST", f"/api/projects/{pid}/import", raw=f.read())
    if status != 400 or "Unknown annotator" not in refused:
        raise SystemExit(f"expected tasks naming a non-user to be refused, got {status} {refused}")
    with open(os.path.join(export_dir, "tasks.json"), "rb") as f:
        status, imported = call("POST", f"/api/projects/{pid}/import", raw=f.read())
    if status != 201:
        raise SystemExit(f"Label Studio refused Lector's export: {status} {imported}")
    seconds["import"] = round(time.time() - t, 1)
    t = time.time()
    status, exported = call("GET", f"/api/projects/{pid}/export?exportType=JSON")
    if status != 200:
        raise SystemExit(f"Label Studio's JSON export failed: {status} {exported}")
    status, conll = call("GET", f"/api/projects/{pid}/export?exportType=CONLL2003")
    if status != 200:
        raise SystemExit(f"Label Studio's CONLL2003 export failed: {status} {conll}")
    seconds["export"] = round(time.time() - t, 1)
    result = {"tasks": json.loads(exported), "conll": conll, "user_id": user_id,
              "refused": refused, "imported": json.loads(imported), "seconds": seconds}
    if chromium:
        t = time.time()
        result["editor"] = editor_highlights(pid, result["tasks"])
        seconds["editor"] = round(time.time() - t, 1)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    print(f"label studio ok: {json.loads(imported)}; {seconds}")
    ok = True
finally:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    log.close()
    if ok:
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        print(f"Label Studio's data folder and log are kept in {data_dir}", file=sys.stderr)
