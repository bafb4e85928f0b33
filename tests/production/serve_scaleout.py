"""`mergegate serve` on PostgreSQL for the scale-out tests: the web app with the dispatcher
(bot.scaleout.build_scaleout) on 127.0.0.1. Run as ``python serve_scaleout.py PORT``; settings
come from the environment as for `mergegate serve`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from aiohttp import web

from bot.config import Settings
from bot.logging_setup import configure_logging
from bot.scaleout import build_scaleout

if __name__ == "__main__":
    settings = Settings.from_env()
    configure_logging(settings)
    app, _ = build_scaleout(settings)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
