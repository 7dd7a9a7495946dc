"""qa-desktop scoring engine: audio intake, transcription, speaker separation (no Qt)."""
