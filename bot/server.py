"""python -m bot.server [the options of `rasa run`]: the Rasa server with bot/security.py's policy.

Why a launcher: `rasa run` builds its Sanic app inside rasa.core.run.serve_application and starts
serving at once, so there is no place to add middleware from outside. serve_application does take
`server_listeners` (callbacks it registers on the app before serving), which `rasa run` does not
expose. This module parses exactly `rasa run`'s command line with Rasa's own parser, applies the
policy to the arguments, and runs Rasa's `run` command with one listener that installs the
middleware in every worker (and ones that cap and normalize every message's text, bot/message_input.py;
give a message that cannot be handled a last-resort answer, bot/last_resort.py; rate-limit socket.io
and tie its sessions to one socket, bot/socketio_sessions.py; forget idle conversations held in memory,
bot/stores.py; make the greeting say what this configuration keeps, bot/storage_notice.py).
No Rasa code is patched or copied.
It also hands Rasa only the messaging channels whose variables are set (bot/channels/credentials.py).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import yaml

from bot import last_resort, message_input, quiet_log, socketio_sessions, storage_notice
from bot.action_endpoint import close_sessions
from bot.channels import credentials as channel_credentials
from bot.security import DEFAULT_REQUEST_MAX_SIZE, check_policy, cors_origins, install, limit_socketio


def main(argv: list[str]) -> None:
    # Sanic reads SANIC_* variables into its config when Rasa creates the app
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(DEFAULT_REQUEST_MAX_SIZE))
    # One TensorFlow thread per worker: a message's inference is a few small matrix products, where
    # handing work between threads costs more than it saves, and workers are what runs in parallel.
    # Measured under load (scripts/bench.py): 12% less CPU per message with two workers, none lost with one.
    os.environ.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    os.environ.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")

    from rasa.__main__ import create_argument_parser
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.io import configure_colored_logging
    from rasa.utils.log_utils import configure_structlog
    from rasa.utils.tensorflow import environment as tf_env

    from bot.stores import create_tracker_table, forget_idle_conversations

    args = create_argument_parser().parse_args(["run", *argv])
    args.auth_token = args.auth_token or os.environ.get("RASA_AUTH_TOKEN")
    if args.auth_token:  # for the workers' check of /version (bot/security.py)
        os.environ["RASA_AUTH_TOKEN"] = args.auth_token
    args.jwt_secret = args.jwt_secret or os.environ.get("RASA_JWT_SECRET")
    args.jwt_method = os.environ.get("RASA_JWT_METHOD", args.jwt_method)
    args.cors = args.cors or cors_origins() or None
    os.environ["RASA_CORS_ORIGINS"] = " ".join(args.cors or [])  # the workers check socket.io's origin with it
    check_policy(args.enable_api, args.auth_token, args.jwt_secret, args.cors or [])

    # what `rasa` does before running a command (telemetry stays off: RASA_TELEMETRY_ENABLED=false)
    configure_logging_and_warnings(args.loglevel, args.logging_config_file, warn_only_once=True,
                                   filter_repeated_logs=True)
    configure_colored_logging(args.loglevel)
    configure_structlog(args.loglevel)
    quiet_log.install()
    tf_env.setup_tf_environment()  # TF_INTER_OP_PARALLELISM_THREADS, TF_INTRA_OP_PARALLELISM_THREADS
    tf_env.check_deterministic_ops()
    sys.path.insert(1, os.getcwd())
    create_tracker_table()  # once, before Sanic starts the workers that would race to create it
    with tempfile.TemporaryDirectory(prefix="rasa-credentials-") as directory:
        # Rasa fails on an unset ${VARIABLE}: keep only the channels configured in the environment
        args.credentials, selection = channel_credentials.write(os.environ, Path(directory), Path(args.credentials))
        print(channel_credentials.describe(selection), flush=True)
        socketio = (yaml.safe_load(Path(args.credentials).read_text(encoding="utf-8")) or {}).get("socketio") or {}
        # after_server_start: the agent is loaded by then. Each wraps the agent's handle_message around
        # the one before: the message's text is prepared first, then rate-limited, then the last resort.
        args.server_listeners = [
            (install, "before_server_start"), (last_resort.install, "after_server_start"),
            (limit_socketio, "after_server_start"), (message_input.install, "after_server_start"),
            (socketio_sessions.installer(socketio.get("user_message_evt", "user_uttered"),
                                         socketio.get("bot_message_evt", "bot_uttered")), "after_server_start"),
            (storage_notice.install, "after_server_start"), (forget_idle_conversations, "after_server_start"),
            (close_sessions, "after_server_stop")]
        args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
