"""The `qa-desktop` command line, one module per command group."""
