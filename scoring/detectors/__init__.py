"""Criterion detectors, registered by name for scorecards to refer to."""

from . import compliance, empathy, flow, phrase  # noqa: F401  (register the detectors)
from .base import DETECTORS, FAIL, NA, PASS, CallContext, DetectorSpec, Param, Verdict

__all__ = ["DETECTORS", "FAIL", "NA", "PASS", "CallContext", "DetectorSpec", "Param", "Verdict"]
