import os
import shlex
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    # ruleid: mergegate.python.command-injection, mergegate.python.shell-command-formatting
    os.system("ping -c 1 " + host)
    cmd = f"nslookup {host}"
    # ruleid: mergegate.python.command-injection
    subprocess.run(cmd, shell=True, check=False)
    # ruleid: mergegate.python.command-injection
    subprocess.call([host, "-c", "1"])
    # ok: mergegate.python.command-injection
    subprocess.run(["ping", "-c", "1", host], check=False)
    # ok: mergegate.python.command-injection
    subprocess.run("ping -c 1 " + shlex.quote(host), shell=True, check=False)
    return "ok"


def archive(path):
    # ruleid: mergegate.python.shell-command-formatting
    subprocess.check_output(f"tar -czf backup.tgz {path}", shell=True)
    # ruleid: mergegate.python.shell-command-formatting
    os.popen("du -sh %s" % path)
    # ok: mergegate.python.shell-command-formatting
    subprocess.check_output(["tar", "-czf", "backup.tgz", path])
    # ok: mergegate.python.shell-command-formatting
    os.system(f"du -sh {shlex.quote(path)}")
    # ok: mergegate.python.shell-command-formatting
    os.system("make clean")
