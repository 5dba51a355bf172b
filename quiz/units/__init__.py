"""Units (đơn vị): the organisational tree and its import."""
