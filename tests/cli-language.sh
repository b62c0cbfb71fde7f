#!/bin/sh
# CLI tests of tokenize, detokenize, generate and caption (TAP).
# Reference ids are transformers' own, from the fixtures (tokenizer_cases.json,
# expected.json).
cli="$LEAFSCOPE_CLI"
fx="$LEAFSCOPE_FIXTURES"
gpt2="$fx/gpt2-tiny"
vitgpt2="$fx/vit-gpt2-tiny"
n=0
failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

ok () {
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

# expect_eq DESC GOT WANT
expect_eq () {
  if [ "$2" = "$3" ]; then ok 0 "$1"; else echo "# got:  $2"; echo "# want: $3"; ok 1 "$1"; fi
}

# expect_fail DESC ARGS...: exit status 2 and one line on stderr
expect_fail () {
  desc=$1; shift
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err"
  status=$?
  lines=$(wc -l <"$tmp/err")
  if [ "$status" = 2 ] && [ "$lines" = 1 ] && grep -q '^leafscope-cli: error: ' "$tmp/err"; then
    ok 0 "$desc"
  else
    echo "# status $status, stderr:"; sed 's/^/#   /' "$tmp/err"
    ok 1 "$desc"
  fi
}

expect_eq "tokenize --json" "$("$cli" tokenize --model "$gpt2" --text "Hello world" --json)" \
  '{"ids":[40,397,79,267,277,76,68]}'
expect_eq "tokenize plain" "$("$cli" tokenize --model "$gpt2" --text "don't you've")" \
  "393 78 363 221 89 79 85 365"
expect_eq "detokenize" "$("$cli" detokenize --model "$gpt2" --ids 40,397,79,267,277,76,68)" \
  "Hello world"

# Greedy "Bean rust", 24 tokens (expected.json, prompt 1).
greedy='64,283,29,230,97,313,368,120,283,272,368,331,283,163,368,313,368,30,246,50,137,277,368,120'
out=$("$cli" generate --model "$gpt2" --prompt "Bean rust" --max-new-tokens 24 --greedy --json)
ok $? "generate --json runs"
expect_eq "generate prompt_ids and ids" \
  "$(printf '%s' "$out" | sed 's/.*"prompt_ids":\[\([0-9,]*\)\],"ids":\[\([0-9,]*\)\].*/\1 \2/')" \
  "354,339 $greedy"
# The streamed text is the decode of the ids.
"$cli" generate --model "$fx/gpt2-tiny-legacy-layout" --prompt "Bean rust" --max-new-tokens 24 >"$tmp/stream"
ok $? "generate streams"
"$cli" detokenize --model "$gpt2" --ids "$greedy" >"$tmp/decoded"
cmp -s "$tmp/stream" "$tmp/decoded"
ok $? "streamed text equals the decoded ids"

# Sampling with a seed repeats; top-k 1 is greedy.
a=$("$cli" generate --model "$gpt2" --prompt "Bean rust" --max-new-tokens 16 --temperature 0.9 --top-p 0.9 --seed 5 --json)
b=$("$cli" generate --model "$gpt2" --prompt "Bean rust" --max-new-tokens 16 --temperature 0.9 --top-p 0.9 --seed 5 --json)
ids_of () { printf '%s' "$1" | sed 's/.*,"ids":\[\([0-9,]*\)\].*/\1/'; }
expect_eq "sampling with a seed repeats" "$(ids_of "$a")" "$(ids_of "$b")"
k1=$("$cli" generate --model "$gpt2" --prompt "Bean rust" --max-new-tokens 24 --top-k 1 --temperature 1.5 --seed 9 --json)
expect_eq "top-k 1 is greedy" "$(ids_of "$k1")" "$greedy"

# Caption (expected.json greedy_ids, start token first), from the PNG and from pixel_values.
caption='0,267,267,388,267,267,46,374,267,267,374,374,267,267,267,46,374'
c1=$("$cli" caption --model "$vitgpt2" --max-new-tokens 16 --json "$vitgpt2/input0.png")
expect_eq "caption from an image" "$(printf '%s' "$c1" | sed 's/^{"ids":\[\([0-9,]*\)\].*/\1/')" "$caption"
c2=$("$cli" caption --model "$vitgpt2" --max-new-tokens 16 --json --pixel-values "$vitgpt2/expected.safetensors:pixel_values.0")
expect_eq "caption from pixel values" "$(printf '%s' "$c2" | sed 's/^{"ids":\[\([0-9,]*\)\].*/\1/')" "$caption"

expect_fail "errors: missing model folder" generate --model "$tmp/none" --prompt x
expect_fail "errors: id out of range" detokenize --model "$gpt2" --ids 1,400
expect_fail "errors: ids not numbers" detokenize --model "$gpt2" --ids 1,x
expect_fail "errors: conflicting options" generate --model "$gpt2" --prompt x --greedy --top-k 3
expect_fail "errors: caption without an input" caption --model "$vitgpt2"
expect_fail "errors: caption of a text model" caption --model "$gpt2" "$vitgpt2/input0.png"
expect_fail "errors: generate with a captioner" generate --model "$vitgpt2" --prompt x
expect_fail "errors: pixel values of the wrong tensor" caption --model "$vitgpt2" --pixel-values "$vitgpt2/expected.safetensors:logits"

# Plan at the end: TAP allows it, and the count cannot drift from the cases.
echo "1..$n"

exit $failed
