#!/usr/bin/env bash
# Installs tmux, which the end-to-end test drives the real `marl-tui` command in.
set -euo pipefail
if command -v tmux >/dev/null 2>&1; then exit 0; fi
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq tmux >/dev/null
elif command -v brew >/dev/null 2>&1; then
    brew install tmux
else
    echo "install tmux with your package manager to run the end-to-end test" >&2
    exit 1
fi
