"""What every page shares: the layout's helpers, security headers, error pages, home."""
