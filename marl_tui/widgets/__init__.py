"""The app's widgets, one per module (imported directly, so heavy ones load only when used)."""
