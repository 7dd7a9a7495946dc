"""The PostgreSQL password, never kept in the settings file: from the user's keyring (when it holds one
for the database), else from a password file that only its owner can
read (mode 0600; a wider one is refused, naming the file and the fix). TLS is whatever the URL's `sslmode`
asks for: the URL goes to libpq as it is."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import platformdirs

from qa_desktop.storage.paths import APP_NAME

KEYRING_SERVICE = APP_NAME
PASSWORD_FILE_ENV = "QA_DESKTOP_DB_PASSWORD_FILE"


class CredentialsError(Exception):
    """The password cannot be read safely: what is wrong and how to fix it."""


def password_file() -> Path:
    """Where the database password file is: $QA_DESKTOP_DB_PASSWORD_FILE, else `db-password` in the user's
    config folder."""
    given = os.environ.get(PASSWORD_FILE_ENV)
    return (
        Path(given).expanduser()
        if given
        else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "db-password"
    )


def keyring_account(url: str) -> str:
    """The keyring's account name for a database: user@host:port/name."""
    parts = urlsplit(url)
    return f"{parts.username or ''}@{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"


def without_password(url: str) -> str:
    """The URL with any password taken out (for showing and for storing in the settings)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", "@")))


def has_password(url: str) -> bool:
    return urlsplit(url).password is not None


def _from_keyring(url: str) -> str | None:
    import keyring  # a tenth of a second to import: only a PostgreSQL database without its own password needs it
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_account(url))
    except KeyringError:  # no keyring service on this machine (e.g. a server without a desktop session)
        return None


def _from_file(path: Path) -> str | None:
    if not path.exists():
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise CredentialsError(
            f"password file {path} can be read by others (mode {mode:04o}): run `chmod 600 {path}`; it was not used"
        )
    text = path.read_text(encoding="utf-8").strip()
    return text or None


def database_password(url: str) -> str | None:
    """The password for a PostgreSQL URL: its own (given on the command line), else the keyring's, else the
    password file's (first line; refused if others can read it), else None (libpq's own ways: ~/.pgpass,
    PGPASSWORD, a trusted local connection)."""
    if has_password(url):
        return urlsplit(url).password
    return _from_keyring(url) or _from_file(password_file())
