"""Repair passes of the normalise stage: each proposes edits against the current text."""
