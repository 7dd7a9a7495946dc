"""The peewee models: teams, agents, calls, utterances, processing jobs, scorecards and scores."""

from __future__ import annotations

import datetime as dt

from peewee import (
    AutoField, BooleanField, CharField, DateTimeField, FloatField, ForeignKeyField, IntegerField, Model,
    SqliteDatabase, TextField,
)
from playhouse.sqlite_ext import JSONField

database = SqliteDatabase(None)

UNASSIGNED = "unassigned"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class BaseModel(Model):
    class Meta:
        database = database


class Team(BaseModel):
    id = AutoField()
    name = CharField(unique=True)


class Agent(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    team = ForeignKeyField(Team, null=True, backref="agents", on_delete="SET NULL")


class Call(BaseModel):
    id = AutoField()
    path = TextField()
    sha256 = CharField(unique=True, max_length=64)
    duration_s = FloatField()
    channels = IntegerField()
    sample_rate = IntegerField()
    agent = ForeignKeyField(Agent, backref="calls", on_delete="RESTRICT")
    team = ForeignKeyField(Team, null=True, backref="calls", on_delete="SET NULL")
    external_id = CharField(null=True, index=True)  # the call id from the recorder or CSV
    call_time = DateTimeField(null=True, index=True)
    agent_channel = IntegerField(null=True)
    model = CharField()
    device = CharField()
    metadata = JSONField(default=dict)  # every metadata field as given, including unmapped ones
    imported_at = DateTimeField(default=_now)
    voice = JSONField(default=dict)  # the agent's voice features, measured once at import (schema v2)


class Utterance(BaseModel):
    id = AutoField()
    call = ForeignKeyField(Call, backref="utterances", on_delete="CASCADE")
    position = IntegerField()
    speaker = CharField(max_length=16)
    start = FloatField()
    end = FloatField()
    text = TextField()
    words = JSONField(default=list)

    class Meta:
        indexes = ((("call", "position"), True),)


class Job(BaseModel):
    """One file's trip through ingest: queued, running, done, skipped (duplicate) or failed."""

    id = AutoField()
    path = TextField()
    status = CharField(max_length=16, index=True, default="queued")
    error = TextField(null=True)
    call = ForeignKeyField(Call, null=True, backref="jobs", on_delete="SET NULL")
    created_at = DateTimeField(default=_now)
    updated_at = DateTimeField(default=_now)


class Scorecard(BaseModel):
    """A scorecard as it was when it scored calls: its text is kept so old scores stay explainable."""

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
    scorecard = ForeignKeyField(Scorecard, backref="scores", on_delete="RESTRICT")
    current = BooleanField(default=True, index=True)
    overall = FloatField(index=True)
    empathy = FloatField()
    compliance = FloatField()
    auto_fail = BooleanField(index=True)
    metrics = JSONField(default=dict)  # the contract's metrics
    analysis = JSONField(default=dict)  # dead air and talk-over spans, the sentiment trajectory
    created_at = DateTimeField(default=_now)


class CriterionResult(BaseModel):
    """One criterion's automatic verdict within a score."""

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


V1_MODELS = [Team, Agent, Call, Utterance, Job]  # created by the first migration
