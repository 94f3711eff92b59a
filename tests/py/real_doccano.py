"""Imports Lector's doccano export into a running doccano (its web server and its task queue,
started here on the loopback address with a fresh data folder) through doccano's own upload
API, as the web app does, and reads back what doccano stored and exports.

Usage: real_doccano.py DOCCANO_VENV_BIN EXPORT.jsonl OUT.json

OUT.json gets {"examples": [{"text", "spans": [[start, end, label], …]}] as doccano's API
serves them (offsets as doccano stores them), "export": doccano's own JSONL export (lines),
"import": the import task's result, "seconds": {"start": …, "import": …, "export": …}}.

The processes started here (their process groups) are stopped whatever happens.
"""
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile

bin_dir, export_file, out_path = sys.argv[1:4]
USER, PASSWORD = "lector", "lector-test-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
base = f"http://127.0.0.1:{port}"
python = os.path.join(bin_dir, "python")
backend = subprocess.run(
    [python, "-c", "import backend, os; print(os.path.dirname(backend.__file__))"],
    check=True, capture_output=True, text=True,
).stdout.strip()

home = tempfile.mkdtemp(prefix="lector-doccano-")
env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")}
env.update(
    DOCCANO_HOME=home,
    DATABASE_URL=f"sqlite:///{home}/db.sqlite3",
    MEDIA_ROOT=os.path.join(home, "media"),
    DJANGO_SETTINGS_MODULE="config.settings.production",
    STANDALONE="True",
    DEBUG="False",
    PYTHONPATH=backend,
)
log_path = os.path.join(home, "server.log")
log = open(log_path, "w")


def log_tail():
    with open(log_path, encoding="utf-8", errors="replace") as f:
        return f.read()[-4000:]


# No cookies: with the login's session cookie Django would ask for a CSRF token; the API is
# called with the token the login returns, as doccano's own client does.
opener = urllib.request.build_opener()
token = None


def queue_exists(db):
    """Whether celery's queue is in doccano's database (kombu's table may not be yet)."""
    try:
        conn = sqlite3.connect(db, timeout=5)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("SELECT 1 FROM kombu_queue WHERE name = 'celery'").fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def call(method, path, body=None, raw=None, content_type="application/json", timeout=60):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Token {token}")
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_task(task_id, what):
    deadline = time.time() + 120
    while time.time() < deadline:
        status, body = call("GET", f"/v1/tasks/status/{task_id}")
        state = json.loads(body)
        if state.get("ready"):
            return state
        time.sleep(0.5)
    raise SystemExit(f"doccano's task queue did not finish the {what} within 120 s; its log:\n{log_tail()}")


procs = []
ok = False
seconds = {}
started = time.time()
try:
    for step in (["init"], ["createuser", "--username", USER, "--password", PASSWORD]):
        r = subprocess.run([os.path.join(bin_dir, "doccano"), *step], env=env, stdout=log,
                           stderr=subprocess.STDOUT, timeout=300)
        if r.returncode != 0:
            raise SystemExit(f"doccano {step[0]} failed; its log:\n{log_tail()}")
    # `doccano task`, with one process, first and alone: starting, it creates celery's queue
    # in doccano's database, and the web app creates it too when it sends the first task. At
    # the same moment one of them fails (UNIQUE constraint failed: kombu_queue.name); when
    # it was the worker, it consumed nothing and the import never finished. So the web app
    # starts once the queue is there.
    worker = subprocess.Popen(
        [os.path.join(bin_dir, "celery"), "--app=config", f"--workdir={backend}", "worker",
         "--loglevel=warning", "--pool=solo"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    procs.append(worker)
    deadline = time.time() + 120
    while not queue_exists(os.path.join(home, "db.sqlite3")):
        if worker.poll() is not None:
            raise SystemExit(f"doccano's task worker stopped at start; its log:\n{log_tail()}")
        if time.time() > deadline:
            raise SystemExit(f"doccano's task worker made no queue within 120 s; its log:\n{log_tail()}")
        time.sleep(0.5)
    # `doccano webserver` binds every interface; the same WSGI app under gunicorn, on the
    # loopback address only.
    procs.append(subprocess.Popen(
        [os.path.join(bin_dir, "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--chdir", backend, "config.wsgi"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    deadline = time.time() + 300
    while True:
        if any(p.poll() is not None for p in procs):
            raise SystemExit(f"doccano stopped at start; its log:\n{log_tail()}")
        try:
            status, body = call("POST", "/v1/auth/login/", {"username": USER, "password": PASSWORD}, timeout=10)
            if status == 200:
                token = json.loads(body)["key"]
                break
        except OSError:
            pass
        if time.time() > deadline:
            raise SystemExit(f"doccano did not answer within 300 s; its log:\n{log_tail()}")
        time.sleep(1)
    seconds["start"] = round(time.time() - started, 1)

    status, body = call("POST", "/v1/projects", {
        "name": "Lector", "description": "Lector's doccano export", "project_type": "SequenceLabeling",
        "resourcetype": "SequenceLabelingProject", "allow_overlapping": True,
        "guideline": "", "random_order": False, "collaborative_annotation": False,
        "use_relation": False, "tags": [],
    })
    if status != 201:
        raise SystemExit(f"doccano did not make the project: {status} {body[:2000]}")
    pid = json.loads(body)["id"]

    t = time.time()
    # The web app uploads through FilePond first, then asks for the import.
    boundary = uuid.uuid4().hex
    with open(export_file, "rb") as f:
        content = f.read()
    form = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"filepond\"; filename=\"lector.jsonl\"\r\n"
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    status, upload_id = call("POST", "/v1/fp/process/", raw=form,
                             content_type=f"multipart/form-data; boundary={boundary}")
    if status != 200:
        raise SystemExit(f"doccano refused the upload: {status} {upload_id[:2000]}")
    status, body = call("POST", f"/v1/projects/{pid}/upload", {
        "uploadIds": [upload_id.decode()], "format": "JSONL", "task": "SequenceLabeling",
        "column_data": "text", "column_label": "label", "delimiter": ",", "encoding": "utf_8",
    })
    if status != 200:
        raise SystemExit(f"doccano refused the import: {status} {body[:2000]}")
    imported = wait_task(json.loads(body)["task_id"], "import")
    seconds["import"] = round(time.time() - t, 1)

    status, body = call("GET", f"/v1/projects/{pid}/span-types")
    labels = {l["id"]: l["text"] for l in json.loads(body)}
    examples = []
    status, body = call("GET", f"/v1/projects/{pid}/examples?limit=1000")
    for ex in json.loads(body)["results"]:
        status, spans = call("GET", f"/v1/projects/{pid}/examples/{ex['id']}/spans")
        examples.append({
            "text": ex["text"],
            "meta": ex.get("meta"),
            "spans": sorted([s["start_offset"], s["end_offset"], labels[s["label"]]] for s in json.loads(spans)),
        })

    t = time.time()
    status, body = call("POST", f"/v1/projects/{pid}/download", {"format": "JSONL", "exportApproved": False})
    if status != 200:
        raise SystemExit(f"doccano's export failed: {status} {body[:2000]}")
    task_id = json.loads(body)["task_id"]
    wait_task(task_id, "export")
    status, body = call("GET", f"/v1/projects/{pid}/download?taskId={task_id}")
    if status != 200:
        raise SystemExit(f"doccano's export download failed: {status} {body[:2000]}")
    lines = []
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            for name in sorted(z.namelist()):
                lines += z.read(name).decode("utf-8").splitlines()
    else:
        lines = body.decode("utf-8").splitlines()
    seconds["export"] = round(time.time() - t, 1)

    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"examples": examples, "export": [l for l in lines if l.strip()],
                   "import": imported, "seconds": seconds}, f, ensure_ascii=False, indent=1)
    print(f"doccano ok: {len(examples)} examples; {seconds}")
    ok = True
finally:
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    log.close()
    if ok:
        shutil.rmtree(home, ignore_errors=True)
    else:
        print(f"doccano's data folder and log are kept in {home}", file=sys.stderr)
