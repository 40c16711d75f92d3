"""Custom actions: each module answers one kind of question from the knowledge base."""
