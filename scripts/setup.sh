#!/usr/bin/env bash
# Create the virtualenv and install pinned dependencies. face_recognition needs a special order: dlib has no
# wheel (compiling it takes too long), so dlib-bin provides it, and face_recognition itself is installed
# without dependencies. setuptools stays below 81: face_recognition_models imports pkg_resources.
set -euo pipefail
PYTHON=${1:-python3}
VENV=${2:-.venv}
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP="$VENV/bin/pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# constraints.txt pins every package to the versions the suite was last run with (regenerate it with
# `.venv/bin/pip freeze > constraints.txt` after a deliberate upgrade).
"$PIP" install -q --upgrade pip "setuptools<81" wheel
"$PIP" install -q -c constraints.txt "setuptools<81" "dlib-bin==20.0.1.post1" "face_recognition_models==0.3.0" numpy pillow click
"$PIP" install -q --no-deps "face_recognition==1.3.0"
"$PIP" install -q -c constraints.txt -r requirements-dev.txt
"$VENV/bin/python" -c "import face_recognition_models, face_recognition" >/dev/null
echo "environment ready: $VENV"
