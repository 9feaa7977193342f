"""NLP stages: turn stored posts into scores."""
