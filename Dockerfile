# building-bot in a container: polling by default (no port to open), the database and config in /data.
#   docker build -t building-bot .
#   docker run -d --name building-bot -v building-bot-data:/data -e BUILDING_BOT_TOKEN=... building-bot
# /data/config.toml must exist (see README "Deploy"); it needs [ops] http = "127.0.0.1:9108" for the HEALTHCHECK.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin building-bot \
    && mkdir -p /data && chown building-bot:building-bot /data

USER building-bot
WORKDIR /data
VOLUME /data
# 8443: webhook mode's web server (put nginx or Caddy with HTTPS in front); 9108: /healthz and /metrics
EXPOSE 8443 9108

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4)" || exit 1

ENTRYPOINT ["building-bot"]
CMD ["run", "--config", "/data/config.toml"]
