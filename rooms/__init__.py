"""The LiveVote domain: rooms, ballots, votes, tallies and results.

Nothing here imports Starlette, Socket.IO or aiortc; `store` is the only
module that talks to Redis.
"""
