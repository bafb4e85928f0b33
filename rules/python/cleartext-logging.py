import logging
import sys

log = logging.getLogger(__name__)


def login(user, password, api_key):
    # ruleid: mergegate.python.cleartext-logging
    log.info("login %s with %s", user, password)
    # ruleid: mergegate.python.cleartext-logging
    logging.debug(f"key={api_key}")
    # ruleid: mergegate.python.cleartext-logging
    print(password)
    # ok: mergegate.python.cleartext-logging
    log.info("login for %s, password given: %s", user, bool(password))
    # ok: mergegate.python.cleartext-logging
    log.warning("password rejected for %s", user)
    # ruleid: mergegate.python.cleartext-logging
    sys.stderr.write(get_secret())


def get_secret():
    return "x"
