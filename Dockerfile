# Casebridge: multi-stage build, non-root runtime, healthcheck.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CASEBRIDGE_ENVIRONMENT=production \
    CASEBRIDGE_HOST=0.0.0.0 \
    CASEBRIDGE_PORT=8000 \
    CASEBRIDGE_DATA_DIR=/var/lib/casebridge
# A fixed numeric user, so that Kubernetes' runAsNonRoot can verify it (deploy/kubernetes/).
RUN groupadd --system --gid 10001 casebridge \
    && useradd --system --uid 10001 --gid casebridge --home-dir /var/lib/casebridge casebridge \
    && mkdir -p /var/lib/casebridge && chown casebridge:casebridge /var/lib/casebridge
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY prompts ./prompts
COPY field_mappings ./field_mappings
USER 10001:10001
EXPOSE 8000
VOLUME ["/var/lib/casebridge"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"
CMD ["casebridge", "serve"]
