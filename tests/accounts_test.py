"""Users and sign-in on a real SQLite file: argon2 hashes, lockout, the audit log's signed-in user, calibration
blindness by identity, the agent's own calls, the database password file, and the command line."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import extract_parameters, profiles

from qa_desktop.cli.main import main
from qa_desktop.services import review
from qa_desktop.services.access import identity
from qa_desktop.services.access.accounts import MAX_FAILURES, AccountError, LoginError, add_user, authenticate, sign_in
from qa_desktop.services.access.permissions import PermissionDenied
from qa_desktop.services.library import call_ids
from qa_desktop.services.review import open_call
from qa_desktop.services.settings import Settings
from qa_desktop.services.trust import calibration
from qa_desktop.storage.credentials import CredentialsError, database_password
from qa_desktop.storage.database import open_database
from qa_desktop.storage.library import LibraryFilter
from qa_desktop.storage.models import AuditEntry, CalibrationCall, CalibrationSession, CriterionResultRow, Score, User
from tests.support.stored_calls import stored_call

pytestmark = pytest.mark.both_stores

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_HASHES = profiles.RFC_9106_LOW_MEMORY  # argon2-cffi's default, which qa-desktop uses


@pytest.fixture
def users(db):
    """An admin (the first user), a lead, two evaluators and an agent, added through the services."""
    add_user("root", "admin", "root password")
    identity.sign_out()
    sign_in("root", "root password")
    for name, role in (("lena", "QA lead"), ("eve", "evaluator"), ("ed", "evaluator"), ("maria", "agent")):
        add_user(name, role, f"{name} password")
    identity.sign_out()
    yield
    identity.sign_out()


def _calls() -> list:
    results = {"greeting": ("pass", None)}
    return [
        stored_call(agent, "Billing", f"2026-11-0{i + 1}T09:00", 60, (80, 70, 90), False, results, ["hello"])
        for i, agent in enumerate(("maria", "tom"))
    ]


def test_passwords_are_stored_as_argon2_hashes_only(users):
    for user in User.select():
        assert user.password_hash.startswith("$argon2id$")
        assert f"{user.name} password" not in user.password_hash


def test_the_first_user_must_be_an_admin(db):
    with pytest.raises(AccountError, match="first user must be an admin"):
        add_user("lena", "lead", "lena password")
    assert not identity.team_mode()


def test_lockout_after_repeated_wrong_passwords_and_again_after_it_ends(users):
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginError, match="wrong user name or password$"):
            authenticate("lena", "guess")
    with pytest.raises(LoginError, match="locked for 15 minutes"):
        authenticate("lena", "guess")
    with pytest.raises(LoginError, match="locked after 5 wrong passwords"):
        authenticate("lena", "lena password")  # the right password is refused while locked
    assert AuditEntry.get(AuditEntry.action == "account locked").target == "lena"
    User.update(locked_until=dt.datetime.now() - dt.timedelta(minutes=1)).where(User.name == "lena").execute()
    assert authenticate("lena", "lena password").failed_logins == 0


def test_a_disabled_account_cannot_sign_in_and_is_signed_out(users):
    sign_in("eve", "eve password")
    User.update(active=False).where(User.name == "eve").execute()
    assert identity.signed_in() is None
    with pytest.raises(LoginError, match="disabled"):
        authenticate("eve", "eve password")


def test_the_audit_log_names_the_signed_in_user_not_a_typed_name(users):
    call = _calls()[0]
    sign_in("lena", "lena password")
    result = CriterionResultRow.select().join(Score).where(Score.call == call).get()
    review.override(call.id, result.criterion, "fail", "no greeting heard", reviewer="Somebody Else")
    entry = AuditEntry.get(AuditEntry.action == "override")
    assert (entry.actor, CriterionResultRow.get_by_id(result.id).override_by) == ("lena", "lena")


def test_calibration_blindness_follows_who_is_signed_in(users):
    call = _calls()[0]
    session = CalibrationSession.create(title="Nov", lead="lena", evaluators=["eve", "ed"], criteria=["greeting"])
    CalibrationCall.create(session=session, call=call)
    sign_in("eve", "eve password")
    with pytest.raises(PermissionDenied, match="you answer as yourself, not as ed"):
        calibration.answer(session, "ed", call.id, "greeting", "fail")
    calibration.answer(session, "eve", call.id, "greeting", "pass")
    for peek in (calibration.all_answers, calibration.automatic):
        with pytest.raises(calibration.BlindError, match="eve must submit"):
            peek(session, "lena")  # asking as the lead shows nothing: eve is who is signed in
    calibration.submit(session, "eve")
    assert calibration.all_answers(session, "whoever")[(call.id, "greeting")] == {"eve": "pass"}


def test_an_agent_sees_only_their_own_calls(users):
    mine, theirs = _calls()
    sign_in("maria", "maria password")
    assert call_ids(LibraryFilter()) == [mine.id]
    assert call_ids(LibraryFilter(agent_id=theirs.agent_id)) == []
    assert open_call(mine.id).id == mine.id
    with pytest.raises(PermissionDenied, match="only your own calls"):
        open_call(theirs.id)
    identity.sign_out()
    sign_in("lena", "lena password")
    assert sorted(call_ids(LibraryFilter())) == sorted([mine.id, theirs.id])


def test_database_password_file_must_be_private(tmp_path, monkeypatch, capsys):
    secret = tmp_path / "db-password"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("QA_DESKTOP_DB_PASSWORD_FILE", str(secret))
    secret.chmod(0o644)
    with pytest.raises(CredentialsError, match=r"can be read by others \(mode 0644\): run `chmod 600"):
        database_password("postgresql://qa@db.example:5432/qa?sslmode=require")
    url = "postgresql://qa@db.example:5432/qa?sslmode=require"
    assert main(["users", "list", "--db", url]) == 2  # one line, not CredentialsError's traceback
    assert capsys.readouterr().err == f"error: database {url}: password file {secret} can be read by others " + (
        f"(mode 0644): run `chmod 600 {secret}`; it was not used\n"
    )
    secret.chmod(0o600)
    assert database_password("postgresql://qa@db.example:5432/qa?sslmode=require") == "s3cret"


def test_database_password_from_the_keyring_first(tmp_path, monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        """The keyring API's own plug-in point, holding passwords in memory for the test."""

        priority = 1
        stored: dict = {}

        def get_password(self, service, username):
            return self.stored.get((service, username))

        def set_password(self, service, username, password):
            self.stored[(service, username)] = password

        def delete_password(self, service, username):
            self.stored.pop((service, username), None)

    monkeypatch.setenv("QA_DESKTOP_DB_PASSWORD_FILE", str(tmp_path / "none"))
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        keyring.set_password("qa-desktop", "qa@db.example:5432/qa", "from the keyring")
        assert database_password("postgresql://qa@db.example/qa?sslmode=verify-full") == "from the keyring"
        assert database_password("postgresql://qa@other.example/qa") is None
    finally:
        keyring.set_keyring(previous)


def test_settings_refuse_a_database_url_with_a_password(db):
    with pytest.raises(ValueError, match="holds a password: keep it in your keyring"):
        Settings().set("database", "postgresql://qa:s3cret@db.example/qa")


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa_desktop", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdin=subprocess.DEVNULL,
    )


def test_command_line_users_and_sign_in(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "team.sqlite3")
    added = _cli(["users", "add", "root", "--role", "admin", "--db", db], {"QA_DESKTOP_NEW_PASSWORD": "root password"})
    assert added.returncode == 0, added.stderr
    lead = _cli(
        ["users", "add", "lena", "--role", "lead", "--db", db, "--user", "root"],
        {"QA_DESKTOP_PASSWORD": "root password", "QA_DESKTOP_NEW_PASSWORD": "lena password"},
    )
    assert lead.returncode == 0, lead.stderr
    no_password = _cli(["users", "list", "--db", db, "--user", "root"], {})
    assert no_password.returncode == 2 and "no password given" in no_password.stderr
    open_database(db)  # the CLI hashed with the production parameters, not the tests' quick ones
    assert [extract_parameters(user.password_hash) for user in User.select()] == [PRODUCTION_HASHES] * 2
    # the rest in this process: the same parsing, sign-in and messages as in the CLI's own process above
    assert main(["users", "list", "--db", db]) == 2
    assert "has users: give --user NAME" in capsys.readouterr().err
    monkeypatch.setenv("QA_DESKTOP_PASSWORD", "lena password")
    assert main(["retention", "apply", "--db", db, "--user", "lena"]) == 2
    assert "needs the admin role (you are signed in as lena, a QA lead)" in capsys.readouterr().err
    assert main(["users", "list", "--db", db, "--user", "lena"]) == 2
    refused = capsys.readouterr()
    assert refused.out == "" and refused.err.startswith("error: managing users needs the admin role")  # no header
    monkeypatch.setenv("QA_DESKTOP_PASSWORD", "root password")
    assert main(["users", "list", "--db", db, "--user", "root"]) == 0
    listed = capsys.readouterr().out
    assert "lena" in listed and "QA lead" in listed
    monkeypatch.setenv("QA_DESKTOP_PASSWORD", "nope")
    assert main(["users", "list", "--db", db, "--user", "root"]) == 2
    assert "wrong user name or password" in capsys.readouterr().err


# Before: the form closed on OK, then a box said "the two passwords differ": name, role, agent and both passwords
# were to be typed again from the start
def test_a_new_user_whose_passwords_differ_or_are_short_is_said_in_the_form_which_keeps_what_was_typed(qtbot, users):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from qa_desktop.app.users_dialog import UsersDialog

    sign_in("root", "root password")
    dialog = UsersDialog(None)
    qtbot.addWidget(dialog)
    said: list[str] = []

    def answer() -> None:
        form = QApplication.activeModalWidget()
        form.name.setText("tom")
        form.agent.setText("Tom Becker")
        for first, again in (("tom password", "tom passwort"), ("short", "short"), ("tom password", "tom password")):
            form.password.setText(first)
            form.again.setText(again)
            form.accept()
            said.append(form.message.text() if form.isVisible() else "closed")
        assert (form.name.text(), form.agent.text()) == ("tom", "Tom Becker")

    QTimer.singleShot(0, answer)
    dialog.add()
    assert said == ["The two passwords differ.", "A password needs at least 8 characters.", "closed"]
    assert User.get(User.name == "tom").agent.name == "Tom Becker"
    assert dialog.message.text() == "Added tom."


# Before: "Disable / enable" on a locked account disabled it (it is active): an admin asked to let a locked-out user
# back in disabled them, then enabled them again, or set them a new password
def test_a_locked_account_is_unlocked_from_the_users_list(qtbot, users):
    from qa_desktop.app.users_dialog import UsersDialog

    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginError):
            sign_in("eve", "not it")
    sign_in("root", "root password")
    dialog = UsersDialog(None)
    qtbot.addWidget(dialog)
    rows = {dialog.tree.topLevelItem(i).text(0): dialog.tree.topLevelItem(i) for i in range(5)}
    assert rows["eve"].text(3).startswith("locked until")
    dialog.tree.setCurrentItem(rows["lena"])
    assert dialog.toggle_button.text() == "Disable"
    dialog.tree.setCurrentItem(rows["eve"])
    assert dialog.toggle_button.text() == "Unlock"
    dialog.toggle_button.click()
    assert dialog.message.text() == "eve unlocked: they can sign in again."
    eve = User.get(User.name == "eve")
    assert eve.active and eve.locked_until is None
    identity.sign_out()
    sign_in("eve", "eve password")


def test_a_role_changed_from_a_stale_list_is_refused_naming_who_changed_it(qtbot, users):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from qa_desktop.app.users_dialog import UsersDialog
    from qa_desktop.services.access.accounts import set_role
    from qa_desktop.services.access.permissions import ADMIN, ROLES

    sign_in("root", "root password")
    dialog = UsersDialog(None)
    qtbot.addWidget(dialog)
    row = next(i for i in range(dialog.tree.topLevelItemCount()) if dialog.tree.topLevelItem(i).text(0) == "lena")
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(row))  # shown as QA lead
    set_role("lena", "evaluator")  # another admin, meanwhile (committed)
    said: list[str] = []

    def answer() -> None:
        form = QApplication.activeModalWidget()
        form.role.setCurrentIndex(form.role.findData(ADMIN))  # make lena an admin
        form.accept()  # refused: said in the form, which stays open
        said.append(form.message.text())
        form.reject()

    QTimer.singleShot(0, answer)
    dialog.change_role()
    assert said and said[0].startswith("Lena's role was changed by root (set role at ")  # made her admin before
    assert User.get(User.name == "lena").role == "evaluator"
    assert [e.new for e in AuditEntry.select().where(AuditEntry.action == "set role")] == [ROLES["evaluator"]]
    assert dialog.tree.topLevelItem(row).text(1) == ROLES["evaluator"]  # the list as it is now
