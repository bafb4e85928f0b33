import pathlib
import tarfile
import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from flask import Flask, abort, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
api = FastAPI()
UPLOADS = Path("/srv/uploads")


@app.route("/download")
def download():
    name = request.args["name"]
    # ruleid: mergegate.python.path-traversal
    return send_file(os.path.join("/srv/uploads", name))


@app.route("/raw")
def raw():
    # ruleid: mergegate.python.path-traversal
    with open("/srv/uploads/" + request.args["file"]) as fh:
        return fh.read()


@app.route("/safe")
def safe():
    name = request.args["name"]
    # ok: mergegate.python.path-traversal
    first = send_from_directory("/srv/uploads", name)
    # ok: mergegate.python.path-traversal
    with open(os.path.join("/srv/uploads", secure_filename(name))) as fh:
        return first, fh.read()


@api.get("/files/{name}")
async def get_file(name: str, page: int = 0):
    path = UPLOADS / Path(name)
    # ok: mergegate.python.path-traversal
    cached = Path("/srv/cache", f"page-{page}.html")
    candidate = (UPLOADS / name).resolve()
    if candidate.is_relative_to(UPLOADS):
        # ok: mergegate.python.path-traversal
        return FileResponse(candidate)
    if cached.exists():
        # ok: mergegate.python.path-traversal
        return FileResponse(cached)
    # ruleid: mergegate.python.path-traversal
    return path.read_text()


STATIC_DIR = "/srv/static/"


@app.route("/static2")
def static2():
    filename = request.args.get("filename", "")
    # ruleid: mergegate.python.path-traversal
    open(os.path.join(STATIC_DIR, filename))
    npath = os.path.realpath(os.path.join(STATIC_DIR, filename))
    # ruleid: mergegate.python.path-traversal
    open(npath)
    if npath.startswith(STATIC_DIR):
        # ok: mergegate.python.path-traversal
        open(npath)
    # ok: mergegate.python.path-traversal
    open(os.path.join(STATIC_DIR, os.path.basename(filename)))
    return "ok"


@app.route("/static3")
def static3():
    filename = request.args.get("filename", "")
    full = os.path.abspath(os.path.join(STATIC_DIR, filename))
    if not full.startswith(STATIC_DIR):
        abort(404)
    # ok: mergegate.python.path-traversal
    return send_file(full)


@app.route("/dl")
def dl():
    folder = request.args.get("folder", "")
    name = request.args.get("name", "")
    # ok: mergegate.python.path-traversal
    send_from_directory(STATIC_DIR, name)
    # ruleid: mergegate.python.path-traversal
    return send_from_directory(folder, name)


@app.route("/pathlib")
def pathlib_use():
    filename = request.args.get("filename", "")
    p = pathlib.Path(STATIC_DIR) / filename
    # ruleid: mergegate.python.path-traversal
    data = p.read_text()
    # ruleid: mergegate.python.path-traversal
    pathlib.Path(STATIC_DIR, filename).unlink()
    return data


def unpack(archive_path, target):
    tar = tarfile.open(archive_path)
    # ruleid: mergegate.python.tar-slip
    tar.extractall(target)
    with tarfile.open(archive_path) as safe:
        # ok: mergegate.python.tar-slip
        safe.extractall(target, filter="data")
    tar2 = tarfile.open(archive_path)
    for member in tar2:
        if os.path.isabs(member.name) or ".." in member.name:
            raise ValueError("bad member")
        # ok: mergegate.python.tar-slip
        tar2.extract(member, target)
    tar3 = tarfile.open(archive_path)
    for member in tar3:
        # ruleid: mergegate.python.tar-slip
        tar3.extract(member, target)
