"""Attempts (lượt thi): the drawn questions and the saved answers."""
