"""Filled by the tests of this module (mutation testing, issue-level gaps)."""
