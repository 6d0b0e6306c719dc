"""Change monitor for the portal: runs crawls, diffs, notices, delivery and data access."""
