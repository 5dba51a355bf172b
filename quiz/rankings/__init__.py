"""Rankings and results: the counted attempt per member, standings with the contest's
tie-break criteria, prediction truth, prizes, the results lifecycle, question statistics."""
