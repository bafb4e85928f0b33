"""CI log scanning: leaked credentials (redacted) and clustered failures, streamed line by line."""
