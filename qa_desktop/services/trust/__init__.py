"""Trust in the scores: agreement statistics, calibration sessions, disputes and the agreement lab."""
