"""Realistic demo extracts, deterministic by seed: contracts, participants, timesheets, open data, targets."""
