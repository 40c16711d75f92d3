"""Start the Rasa SDK action server: python -m bot.action_server [--port 5055].

spaCy's thinc imports TensorFlow whenever it is installed (Rasa installs it). The actions never use
it, so it is kept out of this process: start-up takes seconds less and hundreds of MB less memory.
"""
import sys

# makes `import tensorflow` fail fast inside thinc (a None entry is how Python blocks an import; typeshed
# types sys.modules as modules only)
sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]

from rasa_sdk.__main__ import main  # noqa: E402

if __name__ == "__main__":
    if "--actions" not in sys.argv:
        sys.argv += ["--actions", "actions"]
    main()
