# Sourced by the decoding benchmarks: BASE checked out in a worktree at
# $BASE_TREE (made on first use, reused and moved to BASE after).
checkout_base() {
  if [ -d "$BASE_TREE" ]; then
    git -C "$BASE_TREE" checkout -q --force --detach "$BASE"
  else
    git -C "$ROOT" worktree add -q --detach "$BASE_TREE" "$BASE"
  fi
}
