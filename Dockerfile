# syntax=docker/dockerfile:1
# MergeGate: `docker run IMAGE` serves webhooks on :8080; `docker run IMAGE worker` runs a scan
# worker (it takes jobs from PostgreSQL and serves /healthz and /metrics on :8080 too).

ARG PYTHON_VERSION=3.11

# --- build: install the project and its dependencies (semgrep included) into a venv -----------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/mergegate
WORKDIR /src
COPY pyproject.toml setup.py README.md requirements.lock ./
COPY bot ./bot
COPY rules ./rules
# the locked, hashed dependencies (scripts/lock), then MergeGate itself without resolving again
RUN /opt/mergegate/bin/pip install --require-hashes -r requirements.lock \
 && /opt/mergegate/bin/pip install --no-deps . \
 && /opt/mergegate/bin/semgrep --version \
 && /opt/mergegate/bin/mergegate --version

# --- runtime: the venv only, as an unprivileged user ----------------------------------------
FROM python:${PYTHON_VERSION}-slim AS runtime
RUN apt-get update \
 && apt-get install --yes --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /home/mergegate mergegate
COPY --from=build /opt/mergegate /opt/mergegate
ENV PATH=/opt/mergegate/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MERGEGATE_LOG_FORMAT=json \
    MERGEGATE_HEALTH_PORT=8080 \
    SEMGREP_SEND_METRICS=off \
    SEMGREP_ENABLE_VERSION_CHECK=0
USER 10001:10001
WORKDIR /home/mergegate
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MERGEGATE_HEALTH_PORT', '8080') + '/healthz', timeout=4)"]
ENTRYPOINT ["mergegate"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
