import pytest
from mergegate.scanners.deploy.names import is_dockerfile_name


@pytest.mark.parametrize(
    "path,expected",
    [
        ("Dockerfile", True),
        ("build/Dockerfile.prod", True),
        ("app.dockerfile", True),
        ("Containerfile", True),
        ("bot/scanners/deploy/dockerfile.py", False),
        ("docs/Dockerfile.md", False),
        ("Dockerfile.dockerignore", False),
    ],
)
def test_dockerfile_names(path: str, expected: bool) -> None:
    assert is_dockerfile_name(path) is expected
