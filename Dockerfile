# The image docker-compose.yml runs as web, worker, beat and the one-shot migrate.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic reads the settings, not any secret: a throwaway key for this one command only.
RUN SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(40))')" \
    python manage.py collectstatic --noinput --verbosity 0

USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.asgi"]
