"""Dashboards: the numbers behind them (queries), the charts (matplotlib) and the headless report."""
