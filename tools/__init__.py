"""digitnet's development tools (tools/pyproject.toml): import them as digitnet_tools.X."""
