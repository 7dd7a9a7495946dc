"""Coaching: what to coach each agent on, sessions with clips, coaching packs, and follow-up."""
