"""GitLab merge requests: the forge adapter (python-gitlab in a thread pool) and webhooks."""
