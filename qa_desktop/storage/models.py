"""The peewee models: teams, agents, calls, utterances and processing jobs."""

from __future__ import annotations

import datetime as dt

from peewee import (
    AutoField, CharField, DateTimeField, FloatField, ForeignKeyField, IntegerField, Model, SqliteDatabase,
    TextField,
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


ALL_MODELS = [Team, Agent, Call, Utterance, Job]
