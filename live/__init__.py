"""LiveVote transport: HTTP routes, Socket.IO namespaces, the CLI."""
