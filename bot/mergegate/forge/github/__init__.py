"""The GitHub App: authentication, the REST client, fetching changes, check runs, webhooks."""
