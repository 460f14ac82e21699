"""Frame-drawing functions for each chapter's interactive demos (see ``emergence.explore``).

Each ``draw_*`` function draws one frame on an empty matplotlib figure from precomputed
data and returns the frame's alt text, computed from that data.
"""
