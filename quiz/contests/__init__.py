"""Contests (cuộc thi), their rounds (đợt thi), divisions (bảng) and draw specification."""
