"""The web chat widget (widget.js, widget.css, the demo page index.html) and its static server."""
