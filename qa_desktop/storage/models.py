"""The peewee models: teams, agents, calls, utterances, processing jobs, scorecards and scores."""

from __future__ import annotations

import datetime as dt

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateTimeField,
    Field,
    FloatField,
    ForeignKeyField,
    IntegerField,
    JSONField,
    Model,
    TextField,
    _savepoint,
)

from scoring.redact import redact_name, redact_text


class _OpenDatabase(DatabaseProxy):
    """peewee's DatabaseProxy, except that a nested `atomic()` takes the open database's own savepoint: peewee's
    proxy builds a plain one, which would bypass CallDatabase's (whose rollback is skipped once SQLite has rolled
    the whole transaction back itself, as on a full disk, so that error is the one raised)."""

    def savepoint(self) -> _savepoint:
        return self.obj.savepoint()


# the open database: a sqlite_database.CallDatabase or a postgres_database.TeamDatabase (see database.py)
database = _OpenDatabase()

UNASSIGNED = "unassigned"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def redacted(value: object) -> object:
    """A text, or the texts in a list or mapping, with card data redacted (other values as they are)."""
    if isinstance(value, str):
        return redact_text(value) if value else value
    if isinstance(value, dict):
        return {key: redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value


class RedactedField(Field):
    """A field whose texts come from people or files (comments, notes, names, ids, a metadata CSV's columns): card
    data in them is redacted before it is stored, and in the values it is compared with."""

    def redact(self, value: object) -> object:
        return redacted(value)

    def db_value(self, value: object) -> object:
        return super().db_value(self.redact(value))


class RedactedText(RedactedField, TextField):
    """Free text: comments, notes, reasons, messages."""


class RedactedChar(RedactedField, CharField):
    """A name or an id: of a person, an agent, a team, a session, a call."""


class RedactedPath(RedactedField, TextField):
    """A file's path: card numbers and SSNs in its names are redacted by their own check (`redact_name`), so that a
    recorder's ids stay; `recordings.recording_file` finds the file again by its redacted name and its content."""

    def redact(self, value: object) -> object:
        return redact_name(value) if isinstance(value, str) else value


class RedactedJSON(RedactedField, JSONField):
    """JSON whose texts come from outside (a metadata CSV's columns, evaluators' names)."""


class BaseModel(Model):
    class Meta:
        database = database


class Team(BaseModel):
    id = AutoField()
    name = RedactedChar(unique=True)


class Agent(BaseModel):
    id = AutoField()
    name = RedactedChar(unique=True)
    team = ForeignKeyField(Team, null=True, backref="agents", on_delete="SET NULL")


class Call(BaseModel):
    id = AutoField()
    path = RedactedPath()
    sha256 = CharField(unique=True, max_length=64)
    duration_s = FloatField()
    channels = IntegerField()
    sample_rate = IntegerField()
    agent = ForeignKeyField(Agent, backref="calls", on_delete="RESTRICT")
    team = ForeignKeyField(Team, null=True, backref="calls", on_delete="SET NULL")
    external_id = RedactedChar(null=True, index=True)  # the call id from the recorder or CSV
    call_time = DateTimeField(null=True, index=True)
    agent_channel = IntegerField(null=True)
    model = CharField()
    device = CharField()
    metadata = RedactedJSON(default=dict)  # every metadata field as given (card data redacted), unmapped ones too
    imported_at = DateTimeField(default=_now)
    voice = JSONField(default=dict)  # the agent's voice features, measured once at import (schema v2)
    reviewed = BooleanField(default=False, index=True)  # schema v3
    reviewed_by = RedactedChar(null=True)
    reviewed_at = DateTimeField(null=True)
    # audio, or text: a chat, email or ticket; timed False: a text conversation whose times are estimated (schema v8)
    medium = CharField(max_length=8, default="audio", index=True, constraints=[SQL("DEFAULT 'audio'")])
    timed = BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")])
    unscored = TextField(null=True)  # why the call is not scored, e.g. too short to judge (schema v8)
    revision = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # raised by each review change (v11)
    assigned_to = RedactedChar(null=True, index=True)  # the user (an evaluator) asked to review it (schema v12)
    # the retention policy deleted the recording file / the transcript and evidence text (schema v12)
    recording_deleted_at = DateTimeField(null=True)
    transcript_deleted_at = DateTimeField(null=True, index=True)


class UtteranceRow(BaseModel):
    id = AutoField()
    call = ForeignKeyField(Call, backref="utterances", on_delete="CASCADE")
    position = IntegerField()
    speaker = CharField(max_length=16)
    start = FloatField()
    end = FloatField()
    text = TextField()
    words = JSONField(default=list)

    class Meta:
        table_name = "utterance"  # the schema's name, kept when the class was named for what it is
        legacy_table_names = False  # indexes are named for the table too, as before the rename
        indexes = ((("call", "position"), True),)


class Job(BaseModel):
    """One file's trip through ingest: queued, running, done, skipped (duplicate), failed, cancelled, or
    interrupted (its process ended while it ran)."""

    id = AutoField()
    path = RedactedPath()
    status = CharField(max_length=16, index=True, default="queued")
    error = RedactedText(null=True)
    call = ForeignKeyField(Call, null=True, backref="jobs", on_delete="SET NULL")
    created_at = DateTimeField(default=_now)
    updated_at = DateTimeField(default=_now)
    options = RedactedJSON(default=dict)  # how to import it (metadata CSV, column mapping), to resume (schema v3)
    owner = CharField(null=True)  # the process that queued or runs it, "pid@start time" (schema v8)


class ScorecardRow(BaseModel):
    """A scorecard as it was when it scored calls: its text is kept so old scores stay explainable."""

    class Meta:
        table_name = "scorecard"  # the schema's name, kept when the class was named for what it is
        legacy_table_names = False  # indexes are named for the table too, as before the rename

    id = AutoField()
    key = CharField(index=True)  # the scorecard's own id, e.g. "default"
    hash = CharField(unique=True, max_length=64)
    name = CharField()
    path = TextField()
    text = TextField()
    created_at = DateTimeField(default=_now)


class Score(BaseModel):
    """A call scored against one scorecard version; the newest for a call is `current`."""

    id = AutoField()
    call = ForeignKeyField(Call, backref="scores", on_delete="CASCADE")
    scorecard = ForeignKeyField(ScorecardRow, backref="scores", on_delete="RESTRICT")
    current = BooleanField(default=True, index=True)
    overall = FloatField(index=True)
    empathy = FloatField()
    compliance = FloatField()
    auto_fail = BooleanField(index=True)
    metrics = JSONField(default=dict)  # the contract's metrics
    analysis = JSONField(default=dict)  # dead air and talk-over spans, the sentiment trajectory, automatic scores
    created_at = DateTimeField(default=_now)
    failed = TextField(default="")  # ids of the failed criteria (after overrides), space-separated (schema v3)


class CriterionResultRow(BaseModel):
    """One criterion's automatic verdict within a score."""

    class Meta:
        table_name = "criterionresult"  # the schema's name, kept when the class was named for what it is
        legacy_table_names = False  # indexes are named for the table too, as before the rename

    id = AutoField()
    score = ForeignKeyField(Score, backref="results", on_delete="CASCADE")
    criterion = CharField(index=True)
    section = CharField()
    category = CharField()
    weight = FloatField()
    critical = BooleanField()
    result = CharField(max_length=4, index=True)
    credit = FloatField()  # 0..100
    confidence = FloatField()
    reason = TextField()
    evidence = JSONField(default=list)
    override = CharField(max_length=4, null=True)  # a reviewer's result; the automatic one stays (schema v3)
    override_by = RedactedChar(null=True)
    override_comment = RedactedText(null=True)
    needs_review = BooleanField(default=False)  # heard with low confidence: a person should check it (schema v6)
    checked = CharField(max_length=9, null=True)  # a reviewer looked at it: "evidence" played or "confirmed" (v8)
    checked_by = RedactedChar(null=True)
    revision = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # raised by each review change (v11)

    @property
    def effective(self) -> str:
        """The result that counts: the reviewer's override, else the automatic result."""
        return self.override or self.result


class AuditEntry(BaseModel):
    """Who changed what, when and why: overrides, reviews, reassignments, renames and merges."""

    id = AutoField()
    call = ForeignKeyField(Call, null=True, backref="audit", on_delete="CASCADE")
    at = DateTimeField(default=_now, index=True)
    actor = RedactedChar()
    action = CharField(index=True)
    target = RedactedChar(default="")
    old = RedactedText(null=True)
    new = RedactedText(null=True)
    comment = RedactedText(default="")


class CoachingSession(BaseModel):
    """A coach's session with one agent (or several, for a team session) on a few focus criteria (schema v4)."""

    id = AutoField()
    title = RedactedChar()
    agents = JSONField(default=list)  # agent ids; the first is the session's main agent
    criteria = JSONField(default=list)  # focus criterion ids, in the coach's order
    notes = RedactedText(default="")
    goals = RedactedText(default="")
    due = DateTimeField(null=True)
    status = CharField(max_length=16, default="planned", index=True)  # planned, delivered, acknowledged
    coach = RedactedChar(default="")
    created_at = DateTimeField(default=_now)
    delivered_at = DateTimeField(null=True)
    revision = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # raised by each change (v14)


class CoachingClip(BaseModel):
    """A moment of a call chosen for a session: one to improve (the agent's) or an example (a peer's)."""

    id = AutoField()
    session = ForeignKeyField(CoachingSession, backref="clips", on_delete="CASCADE")
    call = ForeignKeyField(Call, backref="clips", on_delete="CASCADE")
    criterion = CharField()
    kind = CharField(max_length=8)  # "improve" or "example"
    start = FloatField()
    end = FloatField()
    note = RedactedText(default="")
    position = IntegerField(default=0)  # unique in its session (v18)
    revision = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # raised by each change (v16)

    class Meta:
        indexes = ((("session", "position"), True),)


class CallDriver(BaseModel):
    """A call driver (why the customer called) found in a call's transcript (schema v5)."""

    id = AutoField()
    call = ForeignKeyField(Call, backref="drivers", on_delete="CASCADE")
    driver = CharField(index=True)
    mentions = IntegerField()
    primary = BooleanField(default=False)

    class Meta:
        indexes = ((("call", "driver"), True), (("driver", "primary"), False))


class CalibrationSession(BaseModel):
    """A calibration: several evaluators score the same calls blind; the lead settles the answers (schema v6)."""

    id = AutoField()
    title = RedactedChar()
    lead = RedactedChar()
    evaluators = RedactedJSON(default=list)  # reviewer names
    criteria = JSONField(default=list)  # criterion ids the evaluators answer
    status = CharField(max_length=16, default="open", index=True)  # open, settled
    created_at = DateTimeField(default=_now)


class CalibrationCall(BaseModel):
    """A call in a calibration session."""

    id = AutoField()
    session = ForeignKeyField(CalibrationSession, backref="calls", on_delete="CASCADE")
    call = ForeignKeyField(Call, backref="calibrations", on_delete="CASCADE")
    position = IntegerField(default=0)
    reason = CharField(default="")  # why it was proposed

    class Meta:
        indexes = ((("session", "call"), True),)


class CalibrationAnswer(BaseModel):
    """One evaluator's verdict on one criterion of one call."""

    id = AutoField()
    session = ForeignKeyField(CalibrationSession, backref="answers", on_delete="CASCADE")
    call = ForeignKeyField(Call, on_delete="CASCADE")
    evaluator = RedactedChar()
    criterion = CharField()
    result = CharField(max_length=4)
    comment = RedactedText(default="")
    answered_at = DateTimeField(default=_now)

    class Meta:
        indexes = ((("session", "call", "evaluator", "criterion"), True),)


class CalibrationSubmission(BaseModel):
    """An evaluator has submitted their answers: from then on they see the others' and the automatic ones."""

    id = AutoField()
    session = ForeignKeyField(CalibrationSession, backref="submissions", on_delete="CASCADE")
    evaluator = RedactedChar()
    submitted_at = DateTimeField(default=_now)

    class Meta:
        indexes = ((("session", "evaluator"), True),)


class ReferenceVerdict(BaseModel):
    """The expert answer a lead settled on for a criterion of a call: the reference from then on."""

    id = AutoField()
    call = ForeignKeyField(Call, backref="references", on_delete="CASCADE")
    criterion = CharField()
    result = CharField(max_length=4)
    settled_by = RedactedChar()
    comment = RedactedText(default="")
    session = ForeignKeyField(CalibrationSession, null=True, backref="references", on_delete="SET NULL")
    settled_at = DateTimeField(default=_now)

    class Meta:
        indexes = ((("call", "criterion"), True),)


class Dispute(BaseModel):
    """A challenge to a criterion's result on a call, raised on the agent's behalf, accepted or rejected."""

    id = AutoField()
    call = ForeignKeyField(Call, backref="disputes", on_delete="CASCADE")
    result_row = ForeignKeyField(CriterionResultRow, backref="disputes", on_delete="CASCADE")
    criterion = CharField(index=True)
    disputed = CharField(max_length=4)  # the result when raised
    requested = CharField(max_length=4)  # the result the agent says is right
    agent_name = RedactedChar()
    raised_by = RedactedChar()
    reason = RedactedText()
    status = CharField(max_length=16, default="open", index=True)  # open, accepted, rejected
    resolved_by = RedactedChar(null=True)
    resolution = RedactedText(null=True)
    raised_at = DateTimeField(default=_now)
    resolved_at = DateTimeField(null=True)


class User(BaseModel):
    """A person who signs in: a role and an argon2 hash of the password, never the password (schema v12).

    An agent-role user sees the calls of `agent` only. Failed sign-ins in a row lock the account for a while."""

    id = AutoField()
    name = RedactedChar(unique=True)
    role = CharField(max_length=16)
    password_hash = TextField()
    agent = ForeignKeyField(Agent, null=True, backref="users", on_delete="SET NULL")
    active = BooleanField(default=True)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    created_at = DateTimeField(default=_now)
    last_login = DateTimeField(null=True)


class RetentionRule(BaseModel):
    """How long one kind of data is kept (recordings, transcripts, audit), set by an admin (schema v12)."""

    id = AutoField()
    kind = CharField(unique=True, max_length=16)
    days = IntegerField(null=True)  # None: kept for ever
    set_by = RedactedChar()
    set_at = DateTimeField(default=_now)


V1_MODELS = [Team, Agent, Call, UtteranceRow, Job]  # created by the first migration
# every table, each after the tables it refers to
ALL_MODELS = [
    Team,
    Agent,
    Call,
    UtteranceRow,
    Job,
    ScorecardRow,
    Score,
    CriterionResultRow,
    AuditEntry,
    CoachingSession,
    CoachingClip,
    CallDriver,
    CalibrationSession,
    CalibrationCall,
    CalibrationAnswer,
    CalibrationSubmission,
    ReferenceVerdict,
    Dispute,
    User,
    RetentionRule,
]
