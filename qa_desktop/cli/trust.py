"""`qa-desktop agreement`: the agreement lab on a terminal: per criterion, how often the automatic
verdict agrees with people, kappa, the confusion with the calls behind it, the trend per month and
per scorecard version, and the criteria marked below the scorecard's threshold."""

from __future__ import annotations

import argparse

from qa_desktop.cli.options import EXIT_OK, open_signed_in
from qa_desktop.services.config import Config
from qa_desktop.services.trust.agreement import criterion_trust, human_verdicts, trend


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _calls(ids: list[int]) -> str:
    return f"{len(ids)}" + (f" (calls {', '.join(map(str, ids[:5]))}{' …' if len(ids) > 5 else ''})" if ids else "")


def cmd_agreement(args: argparse.Namespace, config: Config) -> int:
    """Print the agreement table and its trends."""
    scorecard = config.load_scorecard()
    db_path = open_signed_in(args, config)
    verdicts = human_verdicts(args.date_from, args.date_to)
    print(f"{len(verdicts)} human verdicts on {len({v.call_id for v in verdicts})} calls (database: {db_path})")
    print(
        f"{'criterion':26s} {'calls':>5s} {'verdicts':>8s} {'agree':>6s} {'kappa':>6s} {'need':>5s}  "
        f"auto pass / human fail; auto fail / human pass"
    )
    for row in criterion_trust(verdicts, scorecard):
        kappa = "-" if row.kappa is None else f"{row.kappa:.2f}"
        mark = "  MARKED" if row.marked else ""
        print(
            f"{row.criterion:26s} {row.calls:5d} {row.verdicts:8d} {_percent(row.agreement):>6s} {kappa:>6s} "
            f"{_percent(row.threshold):>5s}  {_calls(row.auto_pass_human_fail)}; "
            f"{_calls(row.auto_fail_human_pass)}{mark}"
        )
    for by, title in (("month", "by month of the call"), ("scorecard", "by scorecard version")):
        print(f"\nagreement {title}:")
        for criterion, keys in trend(verdicts, by).items():
            print(
                f"  {criterion:24s} "
                + "  ".join(f"{key}: {_percent(share)} of {n}" for key, (n, share) in keys.items())
            )
    return EXIT_OK
