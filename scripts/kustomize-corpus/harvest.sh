#!/usr/bin/env bash
# usage: harvest.sh owner+name  -> /tmp/harvest/<repo>/{src,out}
set -uo pipefail
r=$1; m=/work/.mirror/$r/repo; h=/tmp/harvest/$r
rm -rf $h; mkdir -p $h/src $h/out
git -C $m archive HEAD ${PATHS:-} | tar -x -C $h/src
git -C $m rev-parse HEAD > $h/commit
cd $h/src
find . -type f \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) | sed "s|/[^/]*\$||; s|^\.\$||; s|^\./||" | sort -u > $h/roots
i=0
while read -r d; do
  i=$((i+1)); o=$h/out/$i; mkdir -p $o; echo "$d" > $o/root
  timeout 60 strace -f -qq -e trace=openat -e status=successful -o $o/trace kubectl kustomize "$h/src/$d" > $o/stdout 2> $o/stderr < /dev/null
  echo $? > $o/rc
  grep -o "\"$h/src/[^\"]*\"" $o/trace | tr -d '"' | sed "s|^$h/src/||" | sort -u > $o/files
  rm $o/trace
done < $h/roots
