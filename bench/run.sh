#!/usr/bin/env bash
# covermap benchmark beside its peers (mapshaper, Mapnik). See bench/README.md.
#
#   bench/run.sh [-n TERRITORIES] [-v EDGE_VERTICES] [-r RUNS] [-d DIR] [--no-peers]
#                [--no-install] [--no-build] [--summary-only]
#
# Builds covermap in Release (build-bench/), generates the data set once under DIR
# (default /tmp/covermap-bench, or $COVERMAP_BENCH_DIR), then runs every job RUNS times,
# round-robin (one run of each job per round, so that load from other processes on the
# machine hits every job alike), after one untimed warm-up round. Prints the median wall
# time and the median peak resident memory of each job (GNU time), covermap's median time
# per stage (--timings), the ratios, and the growth against runs kept for other sizes
# (beside the n*log(n) bound). A peer that is not installed (and cannot be
# installed) is reported and skipped. The summary is also written to
# DIR/results-N-V-DATE.txt. --summary-only prints the summary of the last runs again
# (from DIR/work-N-V) without running anything.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=20000
V=4.8
RUNS=5
DIR=${COVERMAP_BENCH_DIR:-/tmp/covermap-bench}
PEERS=1
INSTALL=1
BUILD=1
SUMMARY_ONLY=0

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
        -n) N=$2; shift 2 ;;
        -v) V=$2; shift 2 ;;
        -r) RUNS=$2; shift 2 ;;
        -d) DIR=$2; shift 2 ;;
        --no-peers) PEERS=0; shift ;;
        --no-install) INSTALL=0; shift ;;
        --no-build) BUILD=0; shift ;;
        --summary-only) SUMMARY_ONLY=1; BUILD=0; PEERS=0; INSTALL=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
case $RUNS in ''|*[!0-9]*|0) echo "run.sh: -r needs a positive whole number" >&2; exit 2 ;; esac

PY=/usr/bin/python3
GNU_TIME=/usr/bin/time
COVERMAP=$ROOT/build-bench/covermap
DATA=$DIR/data-$N-$V
WORK=$DIR/work-$N-$V
mkdir -p "$DIR" "$WORK"
STAMP=$(date +%Y-%m-%dT%H%M)
RESULTS=$DIR/results-$N-$V-$STAMP.txt

say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
note() { printf 'run.sh: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
    else return 1; fi
}

# ---- prerequisites -------------------------------------------------------------------

if [ ! -x "$GNU_TIME" ]; then
    if [ $INSTALL = 1 ] && as_root apt-get install -y time >/dev/null 2>&1; then :
    else echo "run.sh: GNU time ($GNU_TIME) is needed: apt-get install time" >&2; exit 1; fi
fi
if ! "$PY" -c 'from osgeo import ogr, osr' 2>/dev/null; then
    echo "run.sh: $PY lacks GDAL's bindings: apt-get install python3-gdal" >&2
    exit 1
fi

if [ $BUILD = 1 ]; then
    note "building covermap (Release) in build-bench/"
    cmake -S "$ROOT" -B "$ROOT/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$ROOT/build-bench" -j2 --target covermap >/dev/null
    # The tree is shared: remember what was built (commit, and whether sources had edits).
    { git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown
      [ -z "$(git -C "$ROOT" status --porcelain -- src include CMakeLists.txt 2>/dev/null)" ] \
          || echo "(+ uncommitted changes in src/ or include/)"; } | tr '\n' ' ' \
        >"$ROOT/build-bench/bench-commit.txt"
fi
[ -x "$COVERMAP" ] || { echo "run.sh: $COVERMAP is missing (drop --no-build)" >&2; exit 1; }

if [ $SUMMARY_ONLY = 0 ] && [ ! -s "$DATA/stats.txt" ]; then
    note "generating $N territories (V = $V) in $DATA"
    "$PY" "$ROOT/bench/make_tessellation.py" "$N" "$V" "$DATA" --styles "$ROOT/styles"
elif [ $SUMMARY_ONLY = 0 ]; then
    # Data kept from an earlier run: its project files are rewritten (they are cheap and
    # may have changed with this script).
    "$PY" "$ROOT/bench/make_tessellation.py" "$N" "$V" "$DATA" --styles "$ROOT/styles" --projects-only
fi

# ---- peers -----------------------------------------------------------------------------

MAPSHAPER=""
if [ $PEERS = 1 ]; then
    if [ -x "$DIR/node_modules/.bin/mapshaper" ]; then
        MAPSHAPER=$DIR/node_modules/.bin/mapshaper
    elif command -v mapshaper >/dev/null 2>&1; then
        MAPSHAPER=$(command -v mapshaper)
    elif [ $INSTALL = 1 ] && command -v npm >/dev/null 2>&1; then
        note "installing mapshaper under $DIR/node_modules (npm)"
        if (cd "$DIR" && npm install --no-audit --no-fund mapshaper >/dev/null 2>&1); then
            MAPSHAPER=$DIR/node_modules/.bin/mapshaper
        fi
    fi
    [ -n "$MAPSHAPER" ] || note "mapshaper not found (npm install mapshaper): skipped"

    HAVE_MAPNIK=0
    if "$PY" -c 'import mapnik' 2>/dev/null; then
        HAVE_MAPNIK=1
    elif [ $INSTALL = 1 ] && as_root apt-get install -y python3-mapnik >/dev/null 2>&1 \
         && "$PY" -c 'import mapnik' 2>/dev/null; then
        HAVE_MAPNIK=1
    fi
    [ $HAVE_MAPNIK = 1 ] || note "Mapnik's Python bindings not found (apt-get install python3-mapnik): skipped"
else
    HAVE_MAPNIK=0
fi

# ---- the jobs ----------------------------------------------------------------------------
# Each job is a function run under GNU time; its output folder is cleared before each run,
# outside the timing.

COVERAGE_EXPR='coverage = d["Enfants 0-5 ans"] > 0 ? 100 * d["Familles rejointes"] / d["Enfants 0-5 ans"] : null'

# The full run as issue 6 sets it (one Fisher-Jenks map as PNG and SVG, report, GeoPackage),
# and the same with the risk map as well (not part of a target; kept for comparison with
# earlier rounds, which measured it as the full run).
job_covermap_full() { "$COVERMAP" run "$DATA/projet.yaml" -o "$WORK/full" --timings; }
job_covermap_2maps() { "$COVERMAP" run "$DATA/projet-2maps.yaml" -o "$WORK/2maps" --timings; }
job_covermap_png() { "$COVERMAP" run "$DATA/projet-png.yaml" -o "$WORK/png" --timings; }
# mapshaper A: join + computed coverage + classes (quantile: mapshaper has no natural breaks)
# + SVG. mapshaper B: join + computed coverage + GeoPackage.
job_mapshaper_svg() {
    "$MAPSHAPER" -i "$DATA/territories.shp" \
        -join "$DATA/indicateurs.csv" keys=code,Territoire field-types=Territoire:str \
        -each "$COVERAGE_EXPR" \
        -classify field=coverage method=quantile classes=5 colors=YlGnBu null-value='#ffffff' \
        -style stroke='#636363' stroke-width=0.5 \
        -o "$WORK/mapshaper-svg/couverture.svg"
}
job_mapshaper_gpkg() {
    "$MAPSHAPER" -i "$DATA/territories.shp" \
        -join "$DATA/indicateurs.csv" keys=code,Territoire field-types=Territoire:str \
        -each "$COVERAGE_EXPR" \
        -o "$WORK/mapshaper-gpkg/territories.gpkg" format=geopackage
}
job_mapnik_png() { "$PY" "$ROOT/bench/mapnik_render.py" "$DATA" "$WORK/mapnik-png/couverture.png"; }

export COVERMAP DATA WORK MAPSHAPER PY ROOT COVERAGE_EXPR
export -f job_covermap_full job_covermap_2maps job_covermap_png job_mapshaper_svg job_mapshaper_gpkg job_mapnik_png

JOBS=(covermap_full covermap_2maps covermap_png)
[ -n "$MAPSHAPER" ] && JOBS+=(mapshaper_svg mapshaper_gpkg)
[ "$HAVE_MAPNIK" = 1 ] && JOBS+=(mapnik_png)

# run_once JOB ROUND: one timed run; appends "wall_s peak_kb" to WORK/JOB.times and keeps
# the job's stderr in WORK/JOB.ROUND.log.
run_once() {
    local job=$1 round=$2 out
    case $job in
        covermap_full) out=$WORK/full ;;
        covermap_2maps) out=$WORK/2maps ;;
        covermap_png) out=$WORK/png ;;
        *) out=$WORK/${job//_/-} ;;
    esac
    rm -rf "$out"
    case $job in covermap_*) ;; *) mkdir -p "$out" ;; esac
    if ! "$GNU_TIME" -f '%e %M' -o "$WORK/$job.time" bash -c "job_$job" \
            >/dev/null 2>"$WORK/$job.$round.log"; then
        note "$job failed (round $round):"
        tail -n 5 "$WORK/$job.$round.log" >&2
        return 1
    fi
    [ "$round" = warmup ] || tail -n 1 "$WORK/$job.time" >>"$WORK/$job.times"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
    else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

if [ $SUMMARY_ONLY = 1 ]; then
    JOBS=()
    for job in covermap_full covermap_2maps covermap_png mapshaper_svg mapshaper_gpkg mapnik_png; do
        [ -s "$WORK/$job.times" ] && JOBS+=("$job")
    done
    [ ${#JOBS[@]} -gt 0 ] || { echo "run.sh: no earlier runs in $WORK" >&2; exit 1; }
    RESULTS=$DIR/results-$N-$V-$(date -r "$WORK/${JOBS[0]}.times" +%Y-%m-%dT%H%M)-summary.txt
fi
: >"$RESULTS"
FAILED=()
if [ $SUMMARY_ONLY = 0 ]; then
    for job in covermap_full covermap_2maps covermap_png mapshaper_svg mapshaper_gpkg mapnik_png; do
        rm -f "$WORK/$job.times" "$WORK/$job".*.log
    done

    say "covermap benchmark, $(date '+%Y-%m-%d %H:%M %Z')"
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
    mem=$(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)
    say "machine: $(nproc) cores, $cpu, $mem, $(uname -sr)"
    say "covermap $("$COVERMAP" --version 2>&1 | head -n 1), built from $(cat "$ROOT/build-bench/bench-commit.txt" 2>/dev/null || echo 'an unknown commit')"
    [ -n "$MAPSHAPER" ] && say "mapshaper $("$MAPSHAPER" -v 2>&1 | tail -n 1), node $(node --version 2>/dev/null)"
    [ "$HAVE_MAPNIK" = 1 ] && say "Mapnik $("$PY" -c 'import mapnik; v = mapnik.mapnik_version(); print("%d.%d.%d" % (v // 100000, v // 100 % 1000, v % 100))')"
    say "data: $(tr '\n' ' ' <"$DATA/stats.txt")"
    say "runs: $RUNS timed, round-robin, after 1 warm-up; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

    for round in warmup $(seq 1 "$RUNS"); do
        note "round $round"
        for job in "${JOBS[@]}"; do
            case " ${FAILED[*]-} " in *" $job "*) continue ;; esac
            run_once "$job" "$round" || FAILED+=("$job")
        done
    done
    say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
else
    say "covermap benchmark: summary of the runs of $(date -r "$WORK/${JOBS[0]}.times" '+%Y-%m-%d %H:%M %Z') in $WORK"
    say "data: $(tr '\n' ' ' <"$DATA/stats.txt")"
fi

# ---- summary -----------------------------------------------------------------------------

declare -A WALL
say ""
say "$(printf '%-16s %10s %10s %10s %12s' job 'median s' 'min s' 'max s' 'peak MiB')"
for job in "${JOBS[@]}"; do
    if [ ! -s "$WORK/$job.times" ] || case " ${FAILED[*]-} " in *" $job "*) true ;; *) false ;; esac; then
        say "$(printf '%-16s %10s' "$job" failed)"
        continue
    fi
    WALL[$job]=$(cut -d' ' -f1 "$WORK/$job.times" | median)
    peak=$(cut -d' ' -f2 "$WORK/$job.times" | median)
    lo=$(cut -d' ' -f1 "$WORK/$job.times" | sort -g | head -n 1)
    hi=$(cut -d' ' -f1 "$WORK/$job.times" | sort -g | tail -n 1)
    say "$(printf '%-16s %10.2f %10.2f %10.2f %12.0f' "$job" "${WALL[$job]}" "$lo" "$hi" \
        "$(echo "$peak" | awk '{ print $1 / 1024 }')")"
done

# Median of each --timings stage over the timed runs.
for job in covermap_full covermap_2maps covermap_png; do
    [ -n "${WALL[$job]-}" ] || continue
    say ""
    say "$job, median time per stage (--timings):"
    stages=$(cat "$WORK/$job".[0-9]*.log | awk '/^covermap: [a-z]+ +[0-9.]+ s$/ { print $2 }' | awk '!seen[$0]++')
    for stage in $stages; do
        t=$(cat "$WORK/$job".[0-9]*.log | awk -v s="$stage" '$1 == "covermap:" && $2 == s && $4 == "s" { print $3 }' | median)
        say "$(printf '  %-12s %8.3f s' "$stage" "$t")"
    done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
say ""
if [ -n "${WALL[covermap_full]-}" ] && [ -n "${WALL[mapshaper_svg]-}" ] && [ -n "${WALL[mapshaper_gpkg]-}" ]; then
    both=$(awk -v a="${WALL[mapshaper_svg]}" -v b="${WALL[mapshaper_gpkg]}" 'BEGIN { print a + b }')
    say "covermap full / mapshaper (join+classify+SVG):        $(ratio "${WALL[covermap_full]}" "${WALL[mapshaper_svg]}")"
    say "covermap full / mapshaper (join+GeoPackage):          $(ratio "${WALL[covermap_full]}" "${WALL[mapshaper_gpkg]}")"
    say "covermap full / mapshaper (both jobs, summed):        $(ratio "${WALL[covermap_full]}" "$both")   (target <= 0.5)"
    if [ -n "${WALL[covermap_2maps]-}" ]; then
        say "covermap with both maps / mapshaper (both, summed):   $(ratio "${WALL[covermap_2maps]}" "$both")   (no target)"
    fi
else
    say "covermap / mapshaper: not measured"
fi
if [ -n "${WALL[covermap_png]-}" ] && [ -n "${WALL[mapnik_png]-}" ]; then
    say "covermap PNG-only / Mapnik (3300x2550 PNG):           $(ratio "${WALL[covermap_png]}" "${WALL[mapnik_png]}")   (target <= 1.0)"
else
    say "covermap / Mapnik: not measured"
fi
# Growth against the runs kept for other sizes with the same V: time over time, beside the
# n*log(n) bound (issue 6: from 20 000 to 100 000 the full run may grow at most that much).
for other in "$DIR"/work-*-"$V"; do
    n_other=${other#"$DIR"/work-}
    n_other=${n_other%-"$V"}
    [ "$n_other" != "$N" ] && [ -d "$other" ] || continue
    for job in covermap_full covermap_2maps covermap_png; do
        [ -n "${WALL[$job]-}" ] && [ -s "$other/$job.times" ] || continue
        t_other=$(cut -d' ' -f1 "$other/$job.times" | median)
        read -r small large t_small t_large < <(awk -v a="$N" -v b="$n_other" -v ta="${WALL[$job]}" \
            -v tb="$t_other" 'BEGIN { if (a < b) print a, b, ta, tb; else print b, a, tb, ta }')
        say "$(printf '%-16s %s -> %s territories: %.2fx (n log n: %.2fx)' "$job" "$small" "$large" \
            "$(awk -v a="$t_small" -v b="$t_large" 'BEGIN { print b / a }')" \
            "$(awk -v a="$small" -v b="$large" 'BEGIN { print b * log(b) / (a * log(a)) }')")"
    done
done
say ""
say "results: $RESULTS; logs and outputs: $WORK"
[ ${#FAILED[@]} -eq 0 ]
