#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 60) and stops at
# the first target that finds a crash, leaving the input in
# fuzz/artifacts/<target>/.
#
# cargo-fuzz needs unstable rustc flags (-Z sanitizer, -Z coverage options).
# On a stable toolchain RUSTC_BOOTSTRAP=1 lets rustc accept them; set
# FUZZ_TOOLCHAIN=nightly to use a nightly toolchain instead.
#
# The targets are built with 16 codegen units instead of cargo-fuzz's default
# of 1: the first build compiles the emulator's dependency tree with
# AddressSanitizer, and one unit per crate makes that far slower.
#
# New inputs the fuzzer finds go to a scratch folder, so the small seed
# corpus under fuzz/corpus/<target>/ stays as committed. Set CARGO_TARGET_DIR
# to build somewhere other than fuzz/target.
set -euo pipefail

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: fuzz/run-all.sh [SECONDS]  (seconds per target, a whole number above 0)" >&2
    exit 2
fi

cd "$(dirname "$0")"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "cargo-fuzz is missing. Install it with: cargo install cargo-fuzz --locked" >&2
    exit 2
fi

toolchain=()
if [ -n "${FUZZ_TOOLCHAIN:-}" ]; then
    toolchain=("+$FUZZ_TOOLCHAIN")
else
    export RUSTC_BOOTSTRAP=1
fi

# cargo-fuzz has no --locked. This check fails as --locked would when
# fuzz/Cargo.lock is out of date, instead of letting the build rewrite it.
cargo "${toolchain[@]}" metadata --locked --format-version 1 >/dev/null

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

targets=(data_uri phone_and_code otpauth_uri redact_text emulator_bodies)
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    echo "== $target: ${seconds} s"
    # The first corpus folder receives new inputs; the seed folder is only read.
    cargo "${toolchain[@]}" fuzz run --codegen-units 16 "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
done
echo "All ${#targets[@]} targets ran ${seconds} s each without a crash."
