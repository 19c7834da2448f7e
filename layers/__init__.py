"""Turning domain results into Dash components. Never reads files, never imports callbacks."""
