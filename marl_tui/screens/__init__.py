"""The app's screens and modal dialogs, one per module.

Nothing is imported here, so importing one screen never pulls in the heavy ones (Play, Watch
and Tournament import torch and pandas).
"""
