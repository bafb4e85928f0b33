import os
import shlex
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    # ruleid: mergegate.python.command-injection
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


@app.route("/convert/<name>")
def convert(name):
    # a Flask route parameter is request data too
    # ruleid: mergegate.python.command-injection
    os.system("convert %s out.png" % name)
    return "ok"


@app.route("/tools")
def tools():
    tool = request.form["tool"]
    args = request.form.get("args", "")
    line = "run "
    line += args
    # ruleid: mergegate.python.command-injection
    os.popen(line)
    # ruleid: mergegate.python.command-injection
    subprocess.Popen(tool)
    if tool not in ("ls", "df"):
        return "no"
    # ok: mergegate.python.command-injection
    subprocess.Popen(tool)
    count = int(request.args.get("count", "1"))
    # ok: mergegate.python.command-injection
    os.system("ping -c %d localhost" % count)
    return "ok"


@app.route("/shell")
def shell():
    pattern = request.args.get("pattern", "")
    # ruleid: mergegate.python.command-injection
    subprocess.run(["sh", "-c", "grep " + pattern + " /var/log/app.log"], check=False)
    # ok: mergegate.python.command-injection
    subprocess.run(["grep", "--", pattern, "/var/log/app.log"], check=False)
    return "ok"


@app.route("/check")
def check():
    host = request.args.get("host", "")
    if not host.isalnum():
        return "bad host", 400
    # validated: neither rule reports it in a request handler
    # ok: mergegate.python.shell-command-formatting
    os.system("ping -c 1 " + host)
    return "ok"



@app.route("/dead-branches")
def dead_branches():
    param = request.args.get("p", "")
    num = 196
    kept = "safe" if (7 * 18) + num > 200 else param
    # ok: mergegate.python.command-injection
    os.system("ls " + kept)
    taken = "safe" if (7 * 18) - num > 200 else param
    # ruleid: mergegate.python.command-injection
    os.system("ls " + taken)
    if (500 / 42) + num > 200:
        bar = "constant"
    else:
        bar = param
    # ok: mergegate.python.command-injection
    os.system("ls " + bar)
    if (7 * 42) - num > 200:
        other = "constant"
    else:
        other = param
    # ruleid: mergegate.python.command-injection
    os.system("ls " + other)
    if num > 1000:
        never = param
    else:
        never = "constant"
    # ok: mergegate.python.command-injection
    os.system("ls " + never)
    return "ok"

if __name__ == "__main__":
    import sys

    # ruleid: mergegate.python.command-injection, mergegate.python.shell-command-formatting
    subprocess.run("git log " + sys.argv[1], shell=True)
    # ok: mergegate.python.command-injection
    subprocess.run(["git", "log", sys.argv[1]])
