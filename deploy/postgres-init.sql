-- The knowledge base gets a database of its own beside the tracker store's (POSTGRES_DB, rasa).
CREATE DATABASE knowledge OWNER rasa;
