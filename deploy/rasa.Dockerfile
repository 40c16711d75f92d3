# The Rasa server: the official image, this project's pinned stack, and the model trained at build.
# Build from the repository root: docker build -f deploy/rasa.Dockerfile .
FROM rasa/rasa:3.6.21

USER root
WORKDIR /app
ENV RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONPATH=/app
COPY requirements.txt ./
# rasa==3.6.21 is already there; this adds spaCy, psycopg2 and the rest at the tested versions.
RUN pip install --no-cache-dir -r requirements.txt
COPY config.yml domain.yml endpoints.yml credentials.yml ./
COPY data data
COPY knowledge knowledge
COPY bot bot
RUN python -m bot train && rm -rf .rasa && chown -R 1001 /app
USER 1001

EXPOSE 5005
# bot.server is `rasa run` with the security policy (bot/security.py); it reads the token
# (RASA_AUTH_TOKEN or RASA_JWT_SECRET) and the origins (RASA_CORS_ORIGINS) from the environment at
# start, never from the image, and keeps only the messaging channels whose variables are set.
# TRACKER_STORE_URL, LOCK_STORE_URL and SANIC_WORKERS are read by endpoints.yml (bot/stores.py).
ENTRYPOINT []
CMD ["python", "-m", "bot.server", "--model", "models/assistant.tar.gz", "--endpoints", "endpoints.yml", \
     "--credentials", "credentials.yml", "--interface", "0.0.0.0", "--port", "5005", "--enable-api"]
