"""The agreement lab: every human verdict on record against the automatic one, per criterion.

Human verdicts are: a reviewer's decision on a call (an override, or, on a call marked reviewed, a
result the reviewer looked at and left standing: played its evidence or confirmed it), a lead's rejection of a
dispute (the result stands), the
expert reference settled in calibration, and every evaluator's submitted calibration answer. Per call
and criterion one decision counts (reference, else review or override, else rejected dispute), plus
each calibration answer. A criterion the call's medium rules out (tone in a chat) is no verdict of anyone's
and is left out. Criteria agreeing less than the scorecard's threshold are marked.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.services.trust.stats import cohen_kappa, percent_agreement
from qa_desktop.storage.models import (
    CalibrationAnswer,
    CalibrationSubmission,
    Call,
    CriterionResultRow,
    Dispute,
    ReferenceVerdict,
    Score,
    ScorecardRow,
    database,
)
from qa_desktop.storage.scorecards import not_judged, ruled_out
from scoring.scorecard import Scorecard

MIN_CALLS = 3  # fewer human-checked calls than this and a criterion is never marked


@dataclass(frozen=True)
class HumanVerdict:
    """One person's verdict on a criterion of a call, beside the automatic one."""

    call_id: int
    criterion: str
    automatic: str
    human: str
    source: str  # review, override, dispute, reference, calibration
    month: str  # of the call, YYYY-MM
    scorecard: str  # hash of the scorecard that produced the automatic verdict


@dataclass
class CriterionTrust:
    """Agreement of one criterion's automatic verdicts with people."""

    criterion: str
    calls: int
    verdicts: int
    agreement: float | None
    kappa: float | None
    auto_pass_human_fail: list[int] = field(default_factory=list)  # call ids
    auto_fail_human_pass: list[int] = field(default_factory=list)
    other_disagreements: list[int] = field(default_factory=list)  # n/a on one side
    threshold: float = 0.0
    marked: bool = False


def _checked_calls():
    """The ids of calls a person gave a verdict on (reviewed, overridden, disputed, settled or calibrated),
    as a subquery: only their results are read, however many calls the database holds."""
    overridden = (
        Score.select(Score.call)
        .join(CriterionResultRow)
        .where(Score.current & CriterionResultRow.override.is_null(False))
    )
    return (
        Call.select(Call.id).where(Call.reviewed)
        | overridden
        | Dispute.select(Dispute.call).where(Dispute.status == "rejected")
        | ReferenceVerdict.select(ReferenceVerdict.call)
        | CalibrationAnswer.select(CalibrationAnswer.call)
    )


def human_verdicts(date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[HumanVerdict]:
    """Every human verdict on calls in the date range (inclusive, by call date); for those who read every
    agent's reviews (not agents)."""
    require(current_user(), "read reviews")
    return _verdicts(date_from, date_to)


_Current = dict[tuple[int, str], tuple[str, str | None, bool, str, str]]


def _verdicts(date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[HumanVerdict]:
    current = _current_results(date_from, date_to)
    for key in not_judged(_checked_calls()):
        current.pop(key, None)
    found = []
    for key, (human, source) in _decisions(current).items():
        if key in current:
            auto, _o, _r, month, card = current[key]
            found.append(HumanVerdict(key[0], key[1], auto, human, source, month, card))
    submitted = {(s.session_id, s.evaluator) for s in CalibrationSubmission.select()}
    for a in CalibrationAnswer.select():
        key = (a.call_id, a.criterion)
        if (a.session_id, a.evaluator) in submitted and key in current:
            auto, _o, _r, month, card = current[key]
            found.append(HumanVerdict(key[0], key[1], auto, a.result, "calibration", month, card))
    return found


def _current_results(date_from: dt.date | None, date_to: dt.date | None) -> _Current:
    """(call id, criterion) -> (automatic result, override, reviewed and looked at, month, scorecard hash) of the
    current scores of checked calls in the date range."""
    current: _Current = {}
    rows = (
        CriterionResultRow.select(
            Call.id,
            CriterionResultRow.criterion,
            CriterionResultRow.result,
            CriterionResultRow.override,
            Call.reviewed & CriterionResultRow.checked.is_null(False),
            Call.call_time,
            Call.imported_at,
            ScorecardRow.hash,
        )
        .join(Score)
        .join(Call)
        .switch(Score)
        .join(ScorecardRow)
        .where(Score.current & Call.id.in_(_checked_calls()))
        .tuples()
    )
    for call_id, criterion, result, override, reviewed, call_time, imported_at, card_hash in rows:
        when = call_time or imported_at
        if (date_from is None or when.date() >= date_from) and (date_to is None or when.date() <= date_to):
            current[(call_id, criterion)] = (result, override, reviewed, when.strftime("%Y-%m"), card_hash)
    return current


def _decisions(current: _Current) -> dict[tuple[int, str], tuple[str, str]]:
    """(call id, criterion) -> (the human result, where it came from): a rejected dispute, then an override or a
    review that looked at it, then a reference verdict, each overruling the one before."""
    decisions: dict[tuple[int, str], tuple[str, str]] = {}
    for d in Dispute.select().where(Dispute.status == "rejected").order_by(Dispute.id):  # the latest one counts
        decisions[(d.call_id, d.criterion)] = (d.disputed, "dispute")
    for key, (auto, override, reviewed, _month, _hash) in current.items():
        if override is not None:
            decisions[key] = (override, "override")
        elif reviewed:
            decisions[key] = (auto, "review")
    for ref in ReferenceVerdict.select():
        decisions[(ref.call_id, ref.criterion)] = (ref.result, "reference")
    return decisions


def criterion_trust(verdicts: list[HumanVerdict], scorecard: Scorecard | None = None) -> list[CriterionTrust]:
    """Per criterion: human-checked calls, agreement, kappa, the confusion with its calls, and the mark."""
    by_criterion: dict[str, list[HumanVerdict]] = defaultdict(list)
    for v in verdicts:
        by_criterion[v.criterion].append(v)
    table = []
    for criterion, given in sorted(by_criterion.items()):
        autos, humans = [v.automatic for v in given], [v.human for v in given]
        row = CriterionTrust(
            criterion,
            len({v.call_id for v in given}),
            len(given),
            percent_agreement(autos, humans),
            cohen_kappa(autos, humans),
        )
        for v in given:
            if v.automatic != v.human:
                cell = {("pass", "fail"): row.auto_pass_human_fail, ("fail", "pass"): row.auto_fail_human_pass}.get(
                    (v.automatic, v.human), row.other_disagreements
                )
                if v.call_id not in cell:
                    cell.append(v.call_id)
        row.threshold = scorecard.agreement_threshold(criterion) if scorecard else 0.0
        row.marked = bool(scorecard) and _marked(row.calls, row.agreement, row.threshold)
        table.append(row)
    return table


def trend(verdicts: list[HumanVerdict], by: str = "month") -> dict[str, dict[str, tuple[int, float]]]:
    """Agreement per criterion per month (`by="month"`) or per scorecard hash (`by="scorecard"`):
    {criterion: {key: (verdicts, agreement)}}."""
    groups: dict[str, dict[str, list[HumanVerdict]]] = defaultdict(lambda: defaultdict(list))
    for v in verdicts:
        groups[v.criterion][v.month if by == "month" else v.scorecard[:12]].append(v)
    return {
        criterion: {
            key: (len(vs), percent_agreement([v.automatic for v in vs], [v.human for v in vs]))
            for key, vs in sorted(keys.items())
        }
        for criterion, keys in sorted(groups.items())
    }


def _marked(calls: int, agreement: float | None, threshold: float) -> bool:
    return calls >= MIN_CALLS and (agreement or 0.0) < threshold


def marked_criteria(scorecard: Scorecard) -> list[str]:
    """Criteria whose automatic verdicts agree with people less often than the scorecard allows."""
    return [
        criterion
        for criterion, (calls, verdicts, agreeing) in sorted(agreement_counts().items())
        if _marked(calls, agreeing / verdicts, scorecard.agreement_threshold(criterion))
    ]


# The human verdicts of `_verdicts` counted in the database, not read row by row (240,000 at 100,000 calls: seconds
# of CPU). `cur`: the current results of checked calls, less those a medium rules out; a decision is a reference,
# else an override, else a review that looked at it, else the latest rejected dispute; each submitted calibration
# answer is a verdict too.
_COUNTS = """
WITH cur AS (
  SELECT s.call_id, r.criterion, r.result, r.override, (c.reviewed AND r.checked IS NOT NULL) AS looked
  FROM criterionresult r JOIN score s ON s.id = r.score_id AND s.current JOIN call c ON c.id = s.call_id
  WHERE c.id IN ({checked}){ruled_out}
), verdicts AS (
  SELECT cur.call_id, cur.criterion, cur.result AS auto,
    CASE WHEN ref.result IS NOT NULL THEN ref.result WHEN cur.override IS NOT NULL THEN cur.override
      WHEN cur.looked THEN cur.result ELSE d.disputed END AS human
  FROM cur
  LEFT JOIN referenceverdict ref ON ref.call_id = cur.call_id AND ref.criterion = cur.criterion
  LEFT JOIN (
    SELECT call_id, criterion, MAX(id) AS id FROM dispute WHERE status = 'rejected' GROUP BY call_id, criterion
  ) latest ON latest.call_id = cur.call_id AND latest.criterion = cur.criterion
  LEFT JOIN dispute d ON d.id = latest.id
  UNION ALL
  SELECT cur.call_id, cur.criterion, cur.result, a.result
  FROM calibrationanswer a
  JOIN calibrationsubmission sub ON sub.session_id = a.session_id AND sub.evaluator = a.evaluator
  JOIN cur ON cur.call_id = a.call_id AND cur.criterion = a.criterion
)
SELECT criterion, COUNT(DISTINCT call_id), COUNT(*), SUM(CASE WHEN auto = human THEN 1 ELSE 0 END)
FROM verdicts WHERE human IS NOT NULL GROUP BY criterion
"""


def agreement_counts() -> dict[str, tuple[int, int, int]]:
    """Criterion -> (human-checked calls, human verdicts, verdicts agreeing with the automatic one): the counts
    `criterion_trust` makes of every human verdict, in one aggregate query."""
    checked, params = _checked_calls().sql()
    pairs = (
        Score.select(Score.scorecard, Call.medium)
        .join(Call)
        .where(Score.current & Call.id.in_(_checked_calls()))
        .distinct()
        .tuples()
    )
    out = [(card, medium, criterion) for card, medium in pairs for criterion in ruled_out(card, medium)]
    rule = ""
    if out:
        rule = f" AND (s.scorecard_id, c.medium, r.criterion) NOT IN (VALUES {', '.join(['(?, ?, ?)'] * len(out))})"
        params = [*params, *(value for triple in out for value in triple)]
    rows = database.execute_sql(_COUNTS.format(checked=checked, ruled_out=rule), params).fetchall()
    return {criterion: (int(calls), int(verdicts), int(agreeing)) for criterion, calls, verdicts, agreeing in rows}
