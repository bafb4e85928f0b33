import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from flask import Flask, request, send_file, send_from_directory
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
