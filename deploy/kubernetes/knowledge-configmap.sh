#!/bin/sh
# Prints a knowledge folder as the ConfigMap `helpdesk-knowledge` that the
# StatefulSet (statefulset.yaml) serves its answers from:
#
#   deploy/kubernetes/knowledge-configmap.sh knowledge > deploy/kubernetes/knowledge.yaml
#   deploy/kubernetes/knowledge-configmap.sh ~/our-knowledge | kubectl apply -f -
#
# The keys are the file names: *.md and *.toml of the folder, and each
# dialogues/NAME.toml as `dialogues.NAME.toml` (a ConfigMap key cannot hold
# a "/"); the StatefulSet's init container puts those back in dialogues/.
# Only POSIX sh and coreutils: no kubectl needed.
set -eu
LC_ALL=C
export LC_ALL

dir=${1:-knowledge}
name=${2:-helpdesk-knowledge}

fail() {
    echo "$0: $*" >&2
    exit 1
}

[ -d "$dir" ] || fail "$dir is not a folder"

# Bytes YAML cannot carry in a literal block: controls other than tab and
# newline (a carriage return would come back as a newline).
controls=$(printf '[\001-\010\013-\037\177]')

# One `data` entry: the file as a literal block, indented by four spaces.
emit() {
    key=$1
    file=$2
    case $key in
    *[!A-Za-z0-9._-]*) fail "$file: $key is not a valid ConfigMap key (letters, digits, . _ -)" ;;
    esac
    if grep -q "$controls" "$file"; then
        fail "$file has control characters or CRLF line ends; save it as plain text with LF"
    fi
    if [ ! -s "$file" ]; then
        printf '  %s: ""\n' "$key"
        return
    fi
    first=$(head -c 1 "$file" | od -An -tx1 | tr -d ' \n')
    last=$(tail -c 1 "$file" | od -An -tx1 | tr -d ' \n')
    last_two=$(tail -c 2 "$file" | od -An -tx1 | tr -d ' \n')
    # An explicit indentation when the text starts with a space or a blank
    # line; a chomping indicator so the text ends exactly as the file does.
    indent=
    case $first in 20 | 0a) indent=2 ;; esac
    chomp=
    if [ "$last" != 0a ]; then
        chomp=-
    elif [ "$last_two" = 0a0a ] || [ "$(wc -c <"$file")" -eq 1 ]; then
        chomp=+
    fi
    printf '  %s: |%s%s\n' "$key" "$indent" "$chomp"
    awk '{ if (length($0) == 0) print ""; else print "    " $0 }' "$file"
}

# Everything goes to a temporary file first, so a file that cannot be
# carried stops the script before anything reaches `kubectl apply`.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
{
    cat <<EOF
# The knowledge folder as a ConfigMap, made by
# deploy/kubernetes/knowledge-configmap.sh: regenerate it, don't edit it.
apiVersion: v1
kind: ConfigMap
metadata:
  name: $name
  labels:
    app.kubernetes.io/name: helpdesk
data:
EOF
    for file in "$dir"/*.md "$dir"/*.toml; do
        [ -f "$file" ] || continue
        key=${file##*/}
        case $key in
        dialogues.*) fail "$file: a top-level name starting with \"dialogues.\" would clash with the dialogue keys" ;;
        esac
        emit "$key" "$file"
    done
    for file in "$dir"/dialogues/*.toml; do
        [ -f "$file" ] || continue
        emit "dialogues.${file##*/}" "$file"
    done
} >"$out"

grep -q '^  [^ ]' "$out" || fail "$dir has no *.md, *.toml or dialogues/*.toml files"
# Kubernetes refuses a ConfigMap over 1 MiB.
size=$(wc -c <"$out")
[ "$size" -le 1000000 ] || fail "$dir makes a ConfigMap of $size bytes; Kubernetes takes at most 1 MiB"
cat "$out"
