import os
import stat
from pathlib import Path


def setup(path):
    # ruleid: mergegate.python.world-writable-permissions
    os.chmod(path, 0o777)
    # ruleid: mergegate.python.world-writable-permissions
    os.chmod(path, 0o666)
    # ruleid: mergegate.python.world-writable-permissions
    os.chmod(path, stat.S_IRUSR | stat.S_IWOTH)
    # ok: mergegate.python.world-writable-permissions
    os.chmod(path, 0o600)
    # ok: mergegate.python.world-writable-permissions
    os.chmod(path, 0o755)
    # ruleid: mergegate.python.world-writable-permissions
    os.makedirs(path, mode=0o777, exist_ok=True)
    # ok: mergegate.python.world-writable-permissions
    Path(path).mkdir(mode=0o700)
