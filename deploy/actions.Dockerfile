# The action server: the official Rasa SDK image (rasa-sdk==3.6.2, as requirements.txt pins) with
# what the actions need at the versions requirements.txt pins; no Rasa, no TensorFlow.
# Build from the repository root: docker build -f deploy/actions.Dockerfile .
FROM rasa/rasa-sdk:3.6.2

USER root
WORKDIR /app
ENV SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONPATH=/app
COPY requirements.txt ./
RUN pip install --no-cache-dir -c requirements.txt spacy spacy-lookups-data SQLAlchemy psycopg2-binary PyYAML
COPY knowledge knowledge
COPY actions actions
COPY bot/__init__.py bot/action_server.py bot/
RUN chown -R 1001 /app
USER 1001

EXPOSE 5055
# Workers: ACTION_SERVER_SANIC_WORKERS. The knowledge base: KB_DATABASE_URL.
ENTRYPOINT []
CMD ["python", "-m", "bot.action_server", "--port", "5055"]
