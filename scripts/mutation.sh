#!/usr/bin/env bash
# Mutation testing of the kernel modules (mutmut 2): `make mutation`, or `scripts/mutation.sh MODULE...`.
#
# Each module's mutants run against the few test files that cover it (the map below), in a copy of the tree
# of its own (var/mutation/<module>/), so the modules run side by side (MUTATION_JOBS, default 2) without one
# module's mutant breaking another module's tests, and the work tree is never edited. The test database is a
# file kept between the runs of one copy (--reuse-db): only the first run migrates it.
# A mutant that no test can tell from the original (log text, say) carries `# pragma: no mutate` on its line
# with the reason; mutmut skips such lines. Exit status: 0 when no mutant survived in any module.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=$(cd .venv && pwd -P)
WORK=$ROOT/var/mutation
JOBS=${MUTATION_JOBS:-2}

declare -A TESTS=(
  [certbody/core/audit.py]="certbody/core/tests/test_audit.py certbody/core/tests/test_workflow.py"
  [certbody/core/numbering.py]="certbody/core/tests/test_numbering.py"
  [certbody/core/workflow.py]="certbody/core/tests/test_workflow.py certbody/core/tests/test_workflow_guard.py"
  [certbody/core/uploads.py]="certbody/core/tests/test_uploads.py certbody/core/tests/test_uploads_zip.py"
  [certbody/people/engine.py]="certbody/people/tests/test_engine.py"
)
ORDER=(certbody/core/uploads.py certbody/core/numbering.py certbody/core/workflow.py certbody/core/audit.py
  certbody/people/engine.py)

run_module() {
  local module=$1 name copy
  name=$(basename "$module" .py)
  copy=$WORK/$name
  rm -rf "$copy" && mkdir -p "$copy"
  tar -C "$ROOT" --exclude=./.venv --exclude=./var --exclude=./.git --exclude=__pycache__ --exclude=.hypothesis \
    --exclude=./bench -cf - . | tar -C "$copy" -xf -
  ln -s "$VENV" "$copy/.venv"
  cd "$copy"
  export CERTBODY_TEST_DB_FILE=$copy/test.sqlite3
  local runner="$VENV/bin/python -m pytest -x -q -p no:randomly -p no:cacheprovider -n 0 --reuse-db ${TESTS[$module]}"
  local start=$SECONDS status=0
  "$VENV/bin/mutmut" run --paths-to-mutate "$module" --runner "$runner" --tests-dir "$(dirname "${TESTS[$module]%% *}")" --no-progress --simple-output \
    >"$copy/run.log" 2>&1 || status=$?
  "$VENV/bin/mutmut" results >"$copy/results.txt" 2>&1 || true
  "$VENV/bin/mutmut" junitxml >"$copy/junit.xml" 2>/dev/null || true
  if (( status & 1 )); then
    echo "$module: mutmut failed, see $copy/run.log" >&2
  fi
  "$VENV/bin/python" - "$module" "$copy" "$((SECONDS - start))" <<'PY'
import re, sys, pathlib
module, copy, seconds = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
text = (copy / "junit.xml").read_text() if (copy / "junit.xml").exists() else ""
total = len(re.findall(r"<testcase ", text))
failed = len(re.findall(r"<failure", text))  # a mutant that survived (or timed out)
source = pathlib.Path(module).read_text().splitlines()
equivalent = sum("pragma: no mutate" in line for line in source)
line = f"{module}: {total - failed} killed, {failed} survived, {equivalent} line(s) marked equivalent, {seconds} s"
(copy / "summary.txt").write_text(line + "\n")
print(line)
PY
}
export -f run_module
export ROOT VENV WORK
export TESTS_DECL=$(declare -p TESTS)

modules=("$@")
(( ${#modules[@]} )) || modules=("${ORDER[@]}")
mkdir -p "$WORK"
start=$SECONDS
printf '%s\n' "${modules[@]}" | xargs -P "$JOBS" -I{} bash -c 'eval "$TESTS_DECL"; run_module "$@"' _ {}
echo "mutation: ${#modules[@]} module(s) in $((SECONDS - start)) s (MUTATION_JOBS=$JOBS)"
survivors=0
for module in "${modules[@]}"; do
  copy=$WORK/$(basename "$module" .py)
  grep -q " 0 survived" "$copy/summary.txt" 2>/dev/null || { survivors=1; sed -n '/Survived/,$p' "$copy/results.txt"; }
done
exit $survivors
