"""Helpers the tests share (not test modules): demo files, stored calls, the CLI in a child process, the model guard."""
