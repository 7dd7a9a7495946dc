"""What the app and the command line both call: ingest, rescore, metadata, coaching, dashboards, trust, settings."""
