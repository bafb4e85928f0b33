import socket

import uvicorn
from flask import Flask

app = Flask(__name__)


def serve():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # ruleid: mergegate.python.bind-all-interfaces
    sock.bind(("0.0.0.0", 8080))
    # ruleid: mergegate.python.bind-all-interfaces
    sock.bind(("", 8080))
    # ok: mergegate.python.bind-all-interfaces
    sock.bind(("127.0.0.1", 8080))
    # ruleid: mergegate.python.bind-all-interfaces
    uvicorn.run(app, host="0.0.0.0", port=8000)
    # ok: mergegate.python.bind-all-interfaces
    app.run(host="127.0.0.1", port=8000)
