# SIEP-Perú application image. Build: docker build -t siep-peru .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SIEP_HOST=0.0.0.0 SIEP_PORT=8000
WORKDIR /srv/siep

COPY pyproject.toml constraints.txt README.md ./
COPY app ./app
COPY migrations ./migrations
COPY layers ./layers
COPY geodata ./geodata
COPY static ./static
# Editable install: the app finds migrations/, layers/, geodata/ and static/ beside app/.
RUN pip install -c constraints.txt -e . \
    && useradd --system --home /srv/siep siep \
    && mkdir -p /srv/siep/var && chown siep /srv/siep/var

USER siep
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["siep", "serve"]
