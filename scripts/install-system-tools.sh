#!/usr/bin/env bash
# Installs what the end-to-end tests drive besides Python: tmux (a real terminal), the OpenSSH
# client (a real student connecting to `marl-tui serve`) and headless Chromium with its WebDriver
# (a real student's browser on `marl-tui serve --web`). Quick when all are there.
set -euo pipefail
missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif command -v brew >/dev/null 2>&1; then
    brew install tmux chromium chromedriver  # macOS ships the OpenSSH client
else
    echo "install ${missing[*]} with your package manager to run the end-to-end tests" >&2
    exit 1
fi
