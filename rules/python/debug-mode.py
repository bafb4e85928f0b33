import os

from fastapi import FastAPI
from flask import Flask

# ruleid: mergegate.python.debug-mode-enabled
DEBUG = True
ALLOWED_HOSTS = ["example.com"]

app = Flask(__name__)
# ruleid: mergegate.python.debug-mode-enabled
api = FastAPI(title="orders", debug=True)
# ok: mergegate.python.debug-mode-enabled
internal = FastAPI(title="internal", debug=os.environ.get("APP_DEBUG") == "1")


class TestSettings:
    # ok: mergegate.python.debug-mode-enabled
    DEBUG = True


if __name__ == "__main__":
    # ruleid: mergegate.python.debug-mode-enabled
    app.run(host="0.0.0.0", port=8000, debug=True)
    # ok: mergegate.python.debug-mode-enabled
    app.run(host="127.0.0.1", port=8000, debug=os.environ.get("FLASK_DEBUG") == "1")
