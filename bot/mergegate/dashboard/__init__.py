"""The approval dashboard: server-rendered pages on the service's database, behind sign-in
with the forge (GitHub or GitLab OAuth), for security and release managers."""
