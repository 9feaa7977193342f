"""Findings and routing: from scores to condensed digests for each team."""
