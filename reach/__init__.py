"""Reach: interaction graphs, author influence, post and cascade reach, the campaign KPI chain."""
