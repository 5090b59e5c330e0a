"""Writes the development `.env` that `make run` leaves on its first start: DEBUG=True and a secret key
of its own, so that `manage.py` and every command in the README work outside `make` too. A file that
is already there is left as it is, so the key stays the same from one start to the next (and the
sessions signed in with it stay valid). Only the standard library: it runs before the virtual
environment exists.

    python3 manageit/dev_env.py PATH
"""

import os
import secrets
import sys
from pathlib import Path

TEXT = """\
# ManageIt's development settings, written by `make run` on its first start. Never commit this file, and
# never use it in production, which sets its own variables in its environment (they win over this file).
DEBUG=True
SECRET_KEY={key}
"""


def dev_env_write(path: Path) -> bool:
    """Writes the development .env at `path` (readable by its owner only) unless a file is there;
    returns whether it wrote one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never over a file already there
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as file:
        file.write(TEXT.format(key=secrets.token_urlsafe(50)))
    return True


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.rsplit("\n\n", 1)[1].strip())
    target = Path(sys.argv[1])
    if dev_env_write(target):
        print(f"Wrote {target} (DEBUG=True and a new secret key) for development; a variable set in the environment wins over it.")
