"""WebRTC relay for remote members (issue 6)."""
