"""Imports Lector's Label Studio export into a running Label Studio (started here, on the
loopback address, with a fresh data folder) and exports it again through Label Studio's API.

Usage: real_label_studio.py LABEL_STUDIO_BIN EXPORT_DIR REFUSED_TASKS OUT.json

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

The server is stopped (its process group, started here) whatever happens.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ls_bin, export_dir, refused_tasks, out_path = sys.argv[1:5]
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
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(
            {"tasks": json.loads(exported), "conll": conll, "user_id": user_id,
             "refused": refused, "imported": json.loads(imported), "seconds": seconds},
            f, ensure_ascii=False, indent=1,
        )
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
