"""The data model and everything computed from it. Never imports dash."""
