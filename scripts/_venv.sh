# Shared by scripts/run and scripts/test: create .venv and (re)install the project when
# pyproject.toml changed since the last install.
ensure_venv() {
  local extras="$1"
  local python="${PYTHON:-python3}"
  if [[ ! -x .venv/bin/python ]]; then
    echo "Tạo môi trường ảo .venv ..."
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)${extras//[^a-z]/-}"
  if [[ ! -f "$stamp" ]]; then
    echo "Cài đặt thư viện (lần đầu mất vài phút) ..."
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".${extras}"
    touch "$stamp"
  fi
}
